"""Units (tenants): the ones the caller may see, and one by its slug."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from core.accounts.access import can_view_tenant, visible_tenants_query
from core.api.auth import require_role
from core.api.crud import paginate, unprocessable
from core.api.schemas import QueryArgsSchema, Schema, text
from core.extensions import db
from core.host.models import Tenant
from core.host.services import TenantError, create_tenant

blp = Blueprint("units", __name__, description="单位（租户） / Units (tenants)")


class UnitSchema(Schema):
    """A unit as the API shows it."""

    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True, metadata={"description": "单位代码"})
    name = fields.String(dump_only=True, metadata={"description": "单位名称"})
    unit_type = fields.String(dump_only=True, metadata={"description": "单位类型（插件键）"})
    sub_kind = fields.String(dump_only=True, allow_none=True)
    enabled = fields.Boolean(dump_only=True)
    plugin_enabled = fields.Boolean(dump_only=True)
    address = fields.String(dump_only=True, allow_none=True)


class UnitCreateSchema(Schema):
    """A new unit (host admins only)."""

    slug = text("slug", required=True, metadata={"description": "单位代码：小写字母、数字、连字符"})
    name = text("unit_name", required=True, metadata={"description": "单位名称"})
    unit_type = text("slug", required=True, metadata={"description": "单位类型（插件键）"})
    sub_kind = text("slug", allow_none=True)
    address = text("address", allow_none=True)


class UnitQueryArgsSchema(QueryArgsSchema):
    unit_type = text("slug", metadata={"description": "只列此单位类型"})
    q = text("unit_name", metadata={"description": "名称或代码包含"})


@blp.route("")
class Units(MethodView):
    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters):
        """可见的单位 / Units the caller may see."""
        query = visible_tenants_query(g.api_user)
        if args.get("unit_type"):
            query = query.where(Tenant.unit_type == args["unit_type"])
        if args.get("q"):
            pattern = f"%{args['q']}%"
            query = query.where(Tenant.name.like(pattern) | Tenant.slug.like(pattern))
        return paginate(query, pagination_parameters)

    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    def post(self, data: dict[str, Any]):
        """新建单位（县委组织部管理员） / Create a unit (host admin)."""
        require_role("host_admin")
        try:
            tenant = create_tenant(**data)
        except TenantError as error:
            unprocessable({error.field: error.message})
        db.session.commit()
        return tenant


@blp.route("/<unit_slug>")
class UnitBySlug(MethodView):
    @blp.response(200, UnitSchema)
    def get(self, unit_slug: str):
        """一个单位 / One unit."""
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == unit_slug))
        if tenant is None or not can_view_tenant(g.api_user, tenant):
            abort(404, message=_("单位不存在"))
        return tenant
