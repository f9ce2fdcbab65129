"""List / get / create / update / delete routes for one kind of unit record, built once.

Every record resource of the API behaves the same way: listed with filters and pagination, read
by id, created and changed through its feature's service (which checks the rules and raises
:class:`~core.validation.RecordError`), committed once by the view. What differs — the model, the
three schemas, the filters, the service functions and how a record belongs to a branch — is
described by a :class:`RecordResource`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy import Select, func, select

from core.api.auth import secretary_branch_id
from core.api.schemas import Schema
from core.extensions import db
from core.validation import RecordError


def paginate(query: Select, pagination_parameters) -> list[Any]:
    """One page of ``query``; sets the item count smorest puts in ``X-Pagination``."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page = query.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    return list(db.session.scalars(page).unique())


def unprocessable(errors: dict[str, Any], location: str = "json") -> None:
    """Answer 422 with Chinese messages per field (smorest's error shape); nothing is written."""
    db.session.rollback()
    abort(
        422,
        message=_("提交的数据有误，未保存任何内容"),
        errors={location: {name: message if isinstance(message, list) else [message] for name, message in errors.items()}},
    )


def run_service(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a write service; a :class:`RecordError` becomes 422 and the session is rolled back."""
    try:
        return function(*args, **kwargs)
    except RecordError as error:
        unprocessable(error.errors)


def check_branch(organization_id: int | None, field_name: str = "organization_id") -> None:
    """Refuse a secretary's write that touches another branch (or the unit as a whole)."""
    own = secretary_branch_id()
    if own is not None and organization_id != own:
        abort(403, message=_("支部书记只能录入和修改本支部的记录"), errors={"json": {field_name: [_("只能是本支部")]}})


@dataclass
class RecordResource:
    """How one kind of record is exposed.

    :param model: the mapped class.
    :param schema: main schema (output and create input).
    :param update_schema: PATCH input (every field optional).
    :param query_schema: list filters.
    :param filters: applies parsed query args to the list query.
    :param branch_of: the branch id a record belongs to (for secretaries' scope).
    :param branch_filter: restricts a list query to one branch.
    :param branch_of_input: the branch id a create/update payload names (``None`` keeps the record's).
    :param create: ``create(fields) -> record`` (a service; flushes, never commits).
    :param update: ``update(record, changes) -> record``.
    :param delete: ``delete(record)``; ``None`` → no DELETE route.
    :param writer_roles: roles that may write (a secretary only within their branch).
    """

    name: str
    model: type
    schema: type[Schema]
    update_schema: type[Schema]
    query_schema: type[Schema]
    filters: Callable[[Select, dict[str, Any]], Select]
    order_by: tuple
    branch_of: Callable[[Any], int | None]
    branch_filter: Callable[[Select, int], Select]
    branch_of_input: Callable[[dict[str, Any]], int | None]
    create: Callable[[dict[str, Any]], Any] | None = None
    update: Callable[[Any, dict[str, Any]], Any] | None = None
    delete: Callable[[Any], None] | None = None
    writer_roles: tuple[str, ...] = ("host_admin", "unit_admin", "secretary")
    load_options: tuple = field(default_factory=tuple)
    #: The unit's own records (群团组织): every reader of the unit sees them, a secretary too.
    unit_level: bool = False


def record_or_404(resource: RecordResource, record_id: int) -> Any:
    """The record with this id in the current unit, or 404 (also outside a secretary's branch)."""
    record = db.session.get(resource.model, record_id)
    if record is None:
        abort(404, message=_("记录不存在"))
    own = secretary_branch_id()
    if own is not None and not resource.unit_level and resource.branch_of(record) != own:
        abort(404, message=_("记录不存在"))
    return record


def _require_writer(resource: RecordResource) -> None:
    if g.api_user.role not in resource.writer_roles:
        abort(403, message=_("您的角色不能修改此类记录"))


def register_record_routes(blp: Blueprint, resource: RecordResource) -> None:
    """Add ``/`` (GET list, POST) and ``/<id>`` (GET, PATCH, DELETE) to ``blp``."""
    class Collection(MethodView):
        @blp.arguments(resource.query_schema, location="query")
        @blp.response(200, resource.schema(many=True))
        @blp.paginate()
        def get(self, args: dict[str, Any], pagination_parameters):
            """列表（可筛选、分页） / List, filtered and paginated."""
            query = select(resource.model).options(*resource.load_options).order_by(*resource.order_by)
            query = resource.filters(query, args)
            own = secretary_branch_id()
            if own is not None and not resource.unit_level:
                query = resource.branch_filter(query, own)
            return paginate(query, pagination_parameters)

        if resource.create is not None:

            @blp.arguments(resource.schema)
            @blp.response(201, resource.schema)
            def post(self, data: dict[str, Any]):
                """新建 / Create."""
                _require_writer(resource)
                check_branch(resource.branch_of_input(data))
                record = run_service(resource.create, data)
                db.session.commit()
                return record

    blp.add_url_rule("", f"{resource.name}_collection", Collection)

    class Item(MethodView):
        @blp.response(200, resource.schema)
        def get(self, record_id: int):
            """读取一条 / Get one."""
            return record_or_404(resource, record_id)

        if resource.update is not None:

            @blp.arguments(resource.update_schema)
            @blp.response(200, resource.schema)
            def patch(self, changes: dict[str, Any], record_id: int):
                """修改（只传要改的字段） / Update the fields given."""
                if not changes:  # an empty or missing body changes nothing: say so, not 200
                    unprocessable({"_schema": _("请至少提交一个要修改的字段")})
                _require_writer(resource)
                record = record_or_404(resource, record_id)
                check_branch(resource.branch_of(record))
                target = resource.branch_of_input(changes)
                if target is not None:
                    check_branch(target)
                record = run_service(resource.update, record, changes)
                db.session.commit()
                return record

        if resource.delete is not None:

            @blp.response(204)
            def delete(self, record_id: int):
                """删除 / Delete."""
                _require_writer(resource)
                record = record_or_404(resource, record_id)
                check_branch(resource.branch_of(record))
                run_service(resource.delete, record)
                db.session.commit()

    blp.add_url_rule("/<int:record_id>", f"{resource.name}_item", Item)


# --- how records belong to a branch --------------------------------------------------------


def organization_scope(model: type) -> dict[str, Callable]:
    """``branch_of`` / ``branch_filter`` / ``branch_of_input`` for a model with ``organization_id``."""
    return {
        "branch_of": lambda record: record.organization_id,
        "branch_filter": lambda query, branch_id: query.where(model.organization_id == branch_id),
        "branch_of_input": lambda data: data.get("organization_id"),
    }


def unit_scope() -> dict[str, Callable]:
    """For the unit's own records (no branch): readable by all, written by unit admins."""
    return {
        "branch_of": lambda record: None,
        "branch_filter": lambda query, branch_id: query,
        "branch_of_input": lambda data: None,
        "unit_level": True,
        "writer_roles": ("host_admin", "unit_admin"),
    }


def case_scope(model: type) -> dict[str, Callable]:
    """The same for a model that belongs to a development case (its records and decisions)."""
    from core.members.models import DevelopmentCase

    def branch_of_input(data: dict[str, Any]) -> int | None:
        if "case_id" not in data:
            return None
        case = db.session.get(DevelopmentCase, data["case_id"]) if data["case_id"] is not None else None
        return case.organization_id if case is not None else None

    def branch_filter(query: Select, branch_id: int) -> Select:
        return query.join(DevelopmentCase, DevelopmentCase.id == model.case_id).where(
            DevelopmentCase.organization_id == branch_id
        )

    return {
        "branch_of": lambda record: record.case.organization_id,
        "branch_filter": branch_filter,
        "branch_of_input": branch_of_input,
    }


def member_scope(model: type) -> dict[str, Callable]:
    """The same for a model that belongs to a member (dues, training, appraisals)."""
    from core.members.models import Member

    def branch_of_input(data: dict[str, Any]) -> int | None:
        if "member_id" not in data:
            return None
        member = db.session.get(Member, data["member_id"]) if data["member_id"] is not None else None
        # An unknown member is the service's to report (as a field error); here it is "no branch".
        return member.organization_id if member is not None else None

    def branch_filter(query: Select, branch_id: int) -> Select:
        return query.join(Member, Member.id == model.member_id).where(Member.organization_id == branch_id)

    return {
        "branch_of": lambda record: record.member.organization_id,
        "branch_filter": branch_filter,
        "branch_of_input": branch_of_input,
    }


def organization_or_422(organization_id: Any, field_name: str = "organization_id"):
    """The organization with this id in the current unit, or a 422 naming the field."""
    from core.organizations.models import Organization

    organization = db.session.get(Organization, organization_id) if organization_id is not None else None
    if organization is None:
        unprocessable({field_name: _("本单位没有此党组织")})
    return organization


def member_or_422(member_id: Any, field_name: str = "member_id"):
    """The member with this id in the current unit, or a 422 naming the field."""
    from core.members.models import Member

    member = db.session.get(Member, member_id) if member_id is not None else None
    if member is None:
        unprocessable({field_name: _("本单位没有此党员")})
    return member


def delete_record(record: Any) -> None:
    """Remove a record entered by mistake (no service needed: nothing else is checked)."""
    db.session.delete(record)
    db.session.flush()
