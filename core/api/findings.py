"""Findings (认定) and honours (表彰) of a unit's branches, and the county's finding kinds.

Everyone who may read the unit lists them (a secretary: their own branch). Recording and
revoking is for a supervisor whose scope covers the unit and for the host admin; others get 403.
``DELETE`` revokes (撤销) with a reason: the record stays, marked, and no longer counts.
Evidence files are uploaded through the pages; the API says whether a record has one.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import fields
from sqlalchemy import select

from core.api.auth import current_api_user, secretary_branch_id
from core.api.crud import organization_or_422, paginate, run_service
from core.api.schemas import QueryArgsSchema, Schema, text
from core.extensions import db
from core.findings import services
from core.findings.kinds import finding_kinds
from core.scoring.models import Finding, Honour
from core.vocabulary import HONOUR_LEVELS

findings_blp = Blueprint("findings", __name__, description="认定 / Findings (veto grounds)")
honours_blp = Blueprint("honours", __name__, description="表彰 / Honours")
kinds_blp = Blueprint("finding_kinds", __name__, description="认定类别（县级） / Finding kinds (county)")


class RevokedSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    year = fields.Integer(required=True, metadata={"description": "考核年度"})
    note = fields.String(allow_none=True, metadata={"description": "说明"})
    recorded_by = fields.String(dump_only=True, allow_none=True)  # honours from an import name nobody
    has_evidence = fields.Method("_has_evidence", dump_only=True, metadata={"description": "是否有认定文件扫描件"})
    revoked_on = fields.Date(dump_only=True, allow_none=True)
    revoked_by = fields.String(dump_only=True, allow_none=True)
    revoked_reason = fields.String(dump_only=True, allow_none=True)

    def _has_evidence(self, record: Any) -> bool:
        return bool(record.evidence_file)


class FindingSchema(RevokedSchema):
    finding = text("kind_code", required=True, metadata={"description": "认定类别代码（见 /api/v1/finding-kinds），评分标准读 flags.<代码>"})
    decided_on = fields.Date(required=True, metadata={"description": "认定日期"})
    document = text("document", required=True, metadata={"description": "依据文件（文件名称或文号）"})


class HonourSchema(RevokedSchema):
    name = text("title", required=True, metadata={"description": "表彰名称"})
    level = text(
        "code",
        required=True,
        metadata={"description": "级别：" + "；".join(f"{k}={v}" for k, v in HONOUR_LEVELS.items())},
    )
    awarded_on = fields.Date(required=True, metadata={"description": "表彰日期"})
    awarded_by = text("unit_name", required=True, metadata={"description": "表彰机关"})
    document = text("document", allow_none=True, metadata={"description": "表彰文件（文件名称或文号）"})


class RecordQueryArgsSchema(QueryArgsSchema):
    organization_id = fields.Integer()
    year = fields.Integer()
    include_revoked = fields.Boolean(load_default=False, metadata={"description": "是否包括已撤销的记录"})


class RevokeArgsSchema(QueryArgsSchema):
    reason = text("note", required=True, metadata={"description": "撤销理由"})


class FindingKindSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "代码；评分标准以 flags.<代码> 引用"})
    label_zh = fields.String()
    label_en = fields.String()
    source = fields.String(metadata={"description": "依据（文件名称或文号）"})
    effect = fields.String(metadata={"description": "对评分的影响"})
    active = fields.Boolean(metadata={"description": "停用的类别不能再记录"})
    position = fields.Integer()


def _require_recorder() -> None:
    if not services.can_record(current_api_user(), g.unit):
        abort(403, message=_("只有负责本单位的督导和县委组织部管理员可以记录或撤销认定与表彰"))


def _list(model: type[Finding] | type[Honour], args: dict[str, Any], pagination_parameters) -> list[Any]:
    date = model.decided_on if model is Finding else model.awarded_on
    query = select(model).order_by(model.year.desc(), date.desc(), model.id.desc())
    for name in ("organization_id", "year"):
        if args.get(name) is not None:
            query = query.where(getattr(model, name) == args[name])
    if not args.get("include_revoked"):
        query = query.where(model.revoked_on.is_(None))
    own = secretary_branch_id()
    if own is not None:
        query = query.where(model.organization_id == own)
    return paginate(query, pagination_parameters)


def _one(model: type[Finding] | type[Honour], record_id: int) -> Any:
    record = db.session.get(model, record_id)
    own = secretary_branch_id()
    if record is None or (own is not None and record.organization_id != own):
        abort(404, message=_("记录不存在"))
    return record


def _routes(blp: Blueprint, model: type[Finding] | type[Honour], schema: type[Schema], create) -> None:
    label = "认定" if model is Finding else "表彰"

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(RecordQueryArgsSchema, location="query")
        @blp.response(200, schema(many=True))
        @blp.paginate()
        def get(self, args: dict[str, Any], pagination_parameters):
            return _list(model, args, pagination_parameters)

        @blp.arguments(schema)
        @blp.response(201, schema)
        def post(self, data: dict[str, Any]):
            _require_recorder()
            fields_ = dict(data)
            organization = organization_or_422(fields_.pop("organization_id"))
            record = run_service(create, organization, **fields_)
            db.session.commit()
            return record

    @blp.route("/<int:record_id>")
    class Item(MethodView):
        @blp.response(200, schema)
        def get(self, record_id: int):
            return _one(model, record_id)

        @blp.arguments(RevokeArgsSchema, location="query")
        @blp.response(200, schema)
        def delete(self, args: dict[str, Any], record_id: int):
            _require_recorder()
            record = _one(model, record_id)
            run_service(services.revoke, record, reason=args.get("reason"), revoked_by=_who())
            db.session.commit()
            return record

    Collection.get.__doc__ = f"{label}列表（默认不含已撤销） / List, revoked ones left out unless asked."
    Collection.post.__doc__ = f"记录{label}（督导、县委组织部管理员） / Record one (supervisor in scope, host admin)."
    Item.get.__doc__ = f"一条{label} / One record."
    Item.delete.__doc__ = f"撤销{label}（须填理由，记录保留、不再计分） / Revoke with a reason; kept, no longer counted."


def _who() -> str:
    user = current_api_user()
    return user.display_name or user.username


def _create_finding(organization, **fields_: Any) -> Finding:
    return services.record_finding(organization, recorded_by=_who(), **fields_)


def _create_honour(organization, **fields_: Any) -> Honour:
    return services.record_honour(organization, recorded_by=_who(), **fields_)


_routes(findings_blp, Finding, FindingSchema, _create_finding)
_routes(honours_blp, Honour, HonourSchema, _create_honour)


@kinds_blp.route("")
class Kinds(MethodView):
    @kinds_blp.response(200, FindingKindSchema(many=True))
    def get(self):
        """县里的认定类别（含已停用） / The county's finding kinds, inactive ones too."""
        return finding_kinds()
