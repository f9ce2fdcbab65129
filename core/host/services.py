"""Host operations: units, users and supervisors' scopes, county parameters, the yearly assessment."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import func, select

from core.accounts.models import SupervisorScope, User
from core.accounts.services import AccountError, create_user
from core.authoring import services as authoring
from core.extensions import db
from core.host.models import HostParameter, Tenant
from core.plugins.manager import UnknownUnitType, get_registry
from core.scoring.county import RANKING_RULES_KEY, rank_county
from core.scoring.models import Scorecard
from core.scoring.services import store_scorecards
from core.standards.overrides import parameter_warnings
from core.standards.types import Parameter
from core.tenancy import host_scope
from core.timezone import local_today
from core.validation import RecordError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class TenantError(ValueError):
    """Bad unit input; the message is Chinese and names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def known_unit_types() -> set[str] | None:
    """Unit-type keys the plugin registry knows, or None when no registry is loaded."""
    registry = current_app.extensions.get("branchmark_plugins")
    if registry is None:
        return None
    return {unit_type.key for unit_type in registry.unit_types()}


def create_tenant(
    *, slug: str, name: str, unit_type: str, sub_kind: str | None = None, **fields: Any
) -> Tenant:
    """Create a unit after checking every field; nothing is written when a field is wrong.

    :raises TenantError: naming the bad field, in Chinese.
    """
    if not SLUG.match(slug or ""):
        raise TenantError("slug", "单位代码须为 3–64 位小写字母、数字或连字符，且不以连字符开头或结尾")
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise TenantError("slug", f"单位代码 {slug} 已存在")
    if not (name or "").strip():
        raise TenantError("name", "请填写单位名称")
    if len(name.strip()) > Tenant.name.type.length:
        raise TenantError("name", f"单位名称不能超过 {Tenant.name.type.length} 个字符")
    known = known_unit_types()
    if known is not None and unit_type not in known:
        raise TenantError("unit_type", f"未知的单位类型 {unit_type}，可选：{', '.join(sorted(known))}")
    tenant = Tenant(slug=slug, name=name.strip(), unit_type=unit_type, sub_kind=sub_kind, **fields)
    db.session.add(tenant)
    return tenant


# -- host administration (the county department's pages) ---------------------------------------
# These raise RecordError (field → Chinese message) like every other write path; the view commits.

#: County rules the host sets besides the plugins' parameters, with what a value must look like.
RANKING_RULE_FIELDS = {
    "praise_top": "前几位予以表扬",
    "bar_bottom": "后几位不得评先",
    "interview_bottom": "后几位约谈党组织书记",
}
TOP_GRADE_QUOTA_KEY = "county.top_grade_quota"


def create_unit(*, slug: str, name: str, unit_type: str, sub_kind: str | None = None) -> Tenant:
    """Create a unit from the host's form: :func:`create_tenant` plus a sub-kind of the type.

    :raises RecordError: naming the bad field.
    """
    slug = (slug or "").strip()
    sub_kind = (sub_kind or "").strip() or None
    _check_sub_kind(unit_type, sub_kind)
    try:
        return create_tenant(slug=slug, name=name, unit_type=unit_type, sub_kind=sub_kind)
    except TenantError as error:
        raise RecordError({error.field: error.message}) from None


def _check_sub_kind(unit_type: str, sub_kind: str | None) -> None:
    if sub_kind is None:
        return
    try:
        kinds = {k.key for k in get_registry().unit_type(unit_type).sub_kinds}
    except UnknownUnitType:
        kinds = set()
    if kinds and sub_kind not in kinds:
        raise RecordError({"sub_kind": "子类别不属于该单位类型"})


def update_unit(
    unit: Tenant, *, name: str, sub_kind: str | None, address: str | None, enabled: bool
) -> Tenant:
    """Rename or correct a unit, or disable it (records kept; its users' logins refused).

    The code (slug) stays: it is in every page address and import file.

    :raises RecordError: naming the bad field.
    """
    name = (name or "").strip()
    sub_kind = (sub_kind or "").strip() or None
    address = (address or "").strip() or None
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写单位名称"
    elif len(name) > Tenant.name.type.length:
        errors["name"] = f"单位名称不能超过 {Tenant.name.type.length} 个字符"
    if address and len(address) > Tenant.address.type.length:
        errors["address"] = f"地址不能超过 {Tenant.address.type.length} 个字符"
    if errors:
        raise RecordError(errors)
    _check_sub_kind(unit.unit_type, sub_kind)
    unit.name = name
    unit.sub_kind = sub_kind
    unit.address = address
    unit.enabled = enabled
    db.session.flush()
    return unit


def create_account(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    tenant_slug: str | None = None,
    branch_code: str | None = None,
    scope_unit_types: list[str] | None = None,
    scope_tenant_ids: list[int] | None = None,
) -> User:
    """Create a user from the host's form (see :func:`core.accounts.services.create_user`).

    :raises RecordError: naming the bad field.
    """
    tenant = None
    if tenant_slug:
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
        if tenant is None:
            raise RecordError({"tenant": f"没有代码为 {tenant_slug} 的单位"})
    scoped = _scope_tenants(scope_tenant_ids or [])
    _check_unit_types(scope_unit_types or [])
    try:
        return create_user(
            username=(username or "").strip(),
            password=password or "",
            role=role,
            display_name=(display_name or "").strip() or None,
            tenant=tenant,
            organization_code=(branch_code or "").strip() or None,
            scope_unit_types=list(scope_unit_types or []) if role == "supervisor" else None,
            scope_tenants=scoped if role == "supervisor" else None,
        )
    except AccountError as error:
        raise RecordError({error.field: error.message}) from None


def _scope_tenants(ids: list[int]) -> list[Tenant]:
    if not ids:
        return []
    found = list(db.session.scalars(select(Tenant).where(Tenant.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise RecordError({"scope": "督导范围中有不存在的单位"})
    return found


def _check_unit_types(keys: list[str]) -> None:
    known = known_unit_types()
    unknown = [key for key in keys if known is not None and key not in known]
    if unknown:
        raise RecordError({"scope": f"未知的单位类型 {', '.join(unknown)}"})


def set_supervisor_scopes(user: User, *, unit_types: list[str], tenant_ids: list[int]) -> None:
    """Replace a supervisor's scope with these unit types and units.

    :raises RecordError: the user is not a supervisor, the scope is empty or names unknown ones.
    """
    if user.role != "supervisor":
        raise RecordError({"scope": "只有督导才有督导范围"})
    unit_types = sorted(set(unit_types))
    tenants = _scope_tenants(sorted(set(tenant_ids)))
    _check_unit_types(unit_types)
    if not unit_types and not tenants:
        raise RecordError({"scope": "督导须至少指定一个单位类型或单位"})
    user.scopes.clear()
    db.session.flush()
    for unit_type in unit_types:
        user.scopes.append(SupervisorScope(unit_type=unit_type))
    for tenant in tenants:
        user.scopes.append(SupervisorScope(tenant_id=tenant.id))
    db.session.flush()


def parameter_value(parameter: Parameter, raw: str) -> Any:
    """The form's text as the parameter's type (JSON-storable), or a Chinese problem."""
    text = raw.strip()
    if parameter.type == "boolean":
        if text in ("true", "1", "是"):
            return True
        if text in ("false", "0", "否"):
            return False
        raise RecordError({"value": "应为“是”或“否”"})
    if parameter.type == "choice":
        if text not in parameter.choices:
            raise RecordError({"value": f"可选值为：{'、'.join(parameter.choices)}"})
        return text
    if parameter.type == "text":
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RecordError({"value": "应为数字"}) from None
    if not number.is_finite():
        raise RecordError({"value": "应为数字"})
    if number < 0:
        raise RecordError({"value": "不能为负数"})
    if parameter.type == "integer":
        if number != number.to_integral_value():
            raise RecordError({"value": "应为整数"})
        return int(number)
    # JSON keeps numbers; a whole number stays an int so the page shows "32", not "32.0".
    return int(number) if number == number.to_integral_value() else float(number)


def parameter_for_key(key: str) -> Parameter | None:
    """The plugin parameter a ``<unit_type>.<param>`` county key sets, or None."""
    unit_type, _, name = key.partition(".")
    try:
        return get_registry().unit_type(unit_type).parameter(name)
    except (UnknownUnitType, KeyError):
        return None


def set_county_parameter(key: str, raw: str | dict[str, str], *, source: str | None = None) -> tuple[HostParameter | None, list[str]]:
    """Set (or, with an empty value, clear) one county parameter.

    Keys are a unit type's plugin parameter (``<unit_type>.<param>``), ``county.ranking_rules``
    or ``county.top_grade_quota``. A value below the national floor is kept, and the warning
    (with the floor's source) is returned for the page to show.

    :returns: the row (None when cleared) and the warnings.
    :raises RecordError: unknown key or a value of the wrong kind.
    """
    row = db.session.scalar(select(HostParameter).where(HostParameter.key == key))
    warnings: list[str] = []
    if key == RANKING_RULES_KEY:
        if not isinstance(raw, dict):
            raise RecordError({"value": "排名运用规则应分别填写三个数字"})
        value: Any = {}
        for name, label in RANKING_RULE_FIELDS.items():
            text = str(raw.get(name, "")).strip()
            if not text.isdigit():
                raise RecordError({name: f"“{label}”应为不小于0的整数"})
            value[name] = int(text)
        label_text = "年度考核排名运用"
    elif key == TOP_GRADE_QUOTA_KEY:
        text = str(raw).strip()
        if text == "":
            value = None
        else:
            try:
                share = float(text)
            except ValueError:
                raise RecordError({"value": "应为0到1之间的小数，如0.3"}) from None
            if not 0 < share <= 1:
                raise RecordError({"value": "应为0到1之间的小数，如0.3"})
            value = share
        label_text = "最高等次比例上限"
    else:
        parameter = parameter_for_key(key)
        if parameter is None:
            raise RecordError({"key": "不认识的参数"})
        text = str(raw)
        value = None if text.strip() == "" else parameter_value(parameter, text)
        # A percentage above 100 (500 % of the budget for Party work) is a typing slip, not a
        # county's choice; negative amounts and hours are never meant either.
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            if getattr(parameter, "unit", None) == "%" and not 0 <= value <= 100:
                raise RecordError({"value": f"“{parameter.label_zh}”应在0到100（%）之间"})
            if value < 0:
                raise RecordError({"value": f"“{parameter.label_zh}”不能为负数"})
        if value is not None:
            warnings = parameter_warnings(parameter, value)
        label_text = parameter.label_zh
    if value is None:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
            _rescore_for_parameter(key)
        return None, warnings
    if row is None:
        row = HostParameter(key=key, label=label_text, source="")
        db.session.add(row)
    changed = row.value != value
    row.value = value
    if source is not None and source.strip():
        row.source = source.strip()
    db.session.flush()
    if changed:
        _rescore_for_parameter(key)
    return row, warnings


def _rescore_for_parameter(key: str) -> list[int]:
    """A county parameter changes what scores units: a unit type's parameter every unit of that
    type, the top-grade quota every unit's grade (it is shared across the county). The ranking
    rules only order the county's list. Goes through the one place for re-scoring."""
    if key == RANKING_RULES_KEY:
        return []
    if key == TOP_GRADE_QUOTA_KEY:
        return authoring.units_to_rescore(tenant_ids=db.session.scalars(select(Tenant.id)))
    return authoring.units_to_rescore(key.partition(".")[0])


class AssessmentProgress(Protocol):
    """What :func:`run_assessment` reports as it goes (the job behind the assessment page)."""

    def planned(self, units: int) -> None:
        """The county is scored; ``units`` units have cards to store."""

    def stored(self, tenant_id: int, cards: int) -> None:
        """One unit's cards are flushed (the job commits them here, with its progress)."""


def year_has_ended(year: int, today: dt.date | None = None) -> bool:
    """Whether the assessment year is over (31 December passed) in the configured time zone."""
    return (today or local_today()) > dt.date(year, 12, 31)


def run_assessment(
    year: int,
    *,
    as_of: dt.date,
    actor: str,
    skip: Collection[int] = (),
    progress: AssessmentProgress | None = None,
) -> int:
    """The yearly assessment: score every unit (county quota and rules applied) and store each
    branch's scorecard, opening rectification tasks for lost points. The one act that stores
    scorecards; rendering and downloads only read them.

    :param skip: units whose cards an interrupted run of the same assessment stored already.
    :param progress: told the number of units, then each unit stored; without it the caller
        commits at the end.
    :returns: the number of scorecards stored.
    :raises RecordError: a year in the future.
    """
    if not 2000 <= year <= local_today().year:
        raise RecordError({"year": "年度须为本年或以前的年度"})
    ranking = rank_county(year, get_registry(), as_of=as_of)
    outcomes = [o for o in ranking.outcomes if o.branches and o.tenant.id not in skip]
    if progress is not None:
        progress.planned(len(outcomes))
    stored = 0
    for outcome in outcomes:
        cards = len(store_scorecards(outcome, created_by=actor))
        stored += cards
        if progress is not None:
            progress.stored(outcome.tenant.id, cards)
    return stored


def assessment_runs(limit: int = 10) -> list[dict[str, Any]]:
    """The latest runs of the yearly assessment: year, who, when, how many cards.

    Read from the stored scorecards themselves (who and when are on every card), grouped, so
    no separate log can disagree with them.
    """
    with host_scope():
        rows = db.session.execute(
            select(
                Scorecard.year,
                Scorecard.created_by,
                Scorecard.as_of,
                func.max(Scorecard.created_at),
                func.count(Scorecard.id),
            )
            .group_by(Scorecard.year, Scorecard.created_by, Scorecard.as_of)
            .order_by(func.max(Scorecard.created_at).desc())
            .limit(limit)
        ).all()
    return [
        {"year": year, "created_by": who, "as_of": as_of, "at": at, "cards": count}
        for year, who, as_of, at, count in rows
    ]
