"""Organization write paths: organizations, terms (换届), party groups and committee seats.

Transactions: these functions check every field, then change the session (add, set, flush) and
return; they never commit. The caller — a page, the JSON API, an Excel import — commits once at
the end, so an import of many rows stays all-or-nothing. On bad input they raise
:class:`~core.validation.RecordError` naming every bad field at once and change nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import deletion
from core.deletion import Dependent
from core.documents.models import PartyDocument
from core.events.models import Event
from core.extensions import db
from core.facilities.models import FacilityCheck
from core.funding.models import FundingRecord
from core.members.models import DevelopmentCase, Member
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.publicity.models import PublicityReport
from core.staffing.models import StaffPost
from core.standards.periods import add_years
from core.timezone import local_today
from core.validation import LIMITS, RecordError, check
from core.vocabulary import COMMITTEE_ROLES, ORGANIZATION_KINDS

#: Organization codes: short, URL-safe (they appear in page addresses and import files).
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")

#: Which kinds may sit under which (支部工作条例: 党支部 under a 党总支 or 基层党委; 党总支 under a
#: 基层党委). A 基层党委 is the top of a unit's tree.
PARENT_KINDS: dict[str, tuple[str, ...]] = {
    "committee": (),
    "general_branch": ("committee",),
    "branch": ("committee", "general_branch"),
    "joint_branch": ("committee", "general_branch"),
}

#: National defaults, used when the unit type's plugin does not say (支部工作条例 / 机关基层组织工作条例).
DEFAULT_RULES = {"joint_branch_max_units": 5, "branch_term_years": 3, "committee_term_years": 5}

#: Separators people use when listing the units a 联合党支部 covers.
UNIT_SEPARATORS = re.compile(r"[、，,；;\n]+")

ORGANIZATION_FIELDS = {
    "code", "name", "kind", "parent_id", "established_on", "dissolved_on", "covered_units",
}
TERM_FIELDS = {"elected_on", "started_on", "years", "note"}


def organization_rule(key: str, unit_type: str | None = None) -> int:
    """A set-up threshold from the unit type's plugin, or the national default.

    :param key: e.g. ``joint_branch_max_units``.
    :param unit_type: the tenant's unit type; ``None`` → the national default.
    """
    if unit_type:
        registry = current_app.extensions.get("branchmark_plugins")
        if registry is not None:
            try:
                rules = registry.unit_type(unit_type).organization_rules
            except Exception:  # unknown or disabled unit type: the national rule still holds
                rules = ()
            for rule in rules:
                if rule.key == key:
                    return int(rule.value)
    return DEFAULT_RULES[key]


def covered_unit_names(text: str | None) -> list[str]:
    """The unit names a 联合党支部 covers, from the stored list."""
    return [part.strip() for part in UNIT_SEPARATORS.split(text or "") if part.strip()]


def _date_errors(fields: dict[str, Any], names: tuple[str, ...], errors: dict[str, str]) -> None:
    today = local_today()
    for name in names:
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, dt.date):
            errors[name] = _("日期格式应为 YYYY-MM-DD")
        elif value > today:
            errors[name] = _("日期不能晚于今天")


def _check_organization(
    organization: Organization | None, fields: dict[str, Any]
) -> dict[str, str]:
    """Errors for the organization ``organization`` would become with ``fields`` applied."""
    errors: dict[str, str] = {}
    for name in sorted(set(fields) - ORGANIZATION_FIELDS):
        errors[name] = _("不能修改此项")

    def value(name: str) -> Any:
        if name in fields:
            return fields[name]
        return getattr(organization, name) if organization is not None else None

    code = str(value("code") or "").strip()
    if not code:
        errors["code"] = _("请填写代码")
    elif not CODE.match(code):
        errors["code"] = _("代码只能由字母、数字、-、_ 组成，最长 32 个字符")
    else:
        query = select(Organization.id).where(Organization.code == code)
        if organization is not None and organization.id is not None:
            query = query.where(Organization.id != organization.id)
        if db.session.scalar(query) is not None:
            errors["code"] = _("代码 %(code)s 已被本单位其他党组织使用", code=code)
    name = str(value("name") or "").strip()
    if not name:
        errors["name"] = _("请填写名称")
    elif len(name) > 200:
        errors["name"] = _("名称不能超过 200 个字符")
    kind = value("kind")
    if kind not in ORGANIZATION_KINDS:
        errors["kind"] = _("请选择党组织类别")
    _date_errors(fields, ("established_on", "dissolved_on"), errors)
    if value("established_on") is None and "established_on" not in errors:
        errors["established_on"] = _("请填写成立日期")
    established, dissolved = value("established_on"), value("dissolved_on")
    if (
        "established_on" not in errors
        and "dissolved_on" not in errors
        and dissolved is not None
        and dissolved < established
    ):
        errors["dissolved_on"] = _("撤销日期不能早于成立日期")

    parent_id = value("parent_id")
    if parent_id is not None and kind in ORGANIZATION_KINDS:
        parent = db.session.get(Organization, parent_id)
        if parent is None:
            errors["parent_id"] = _("上级党组织不存在")
        elif organization is not None and _is_self_or_below(organization, parent):
            errors["parent_id"] = _("上级党组织不能是本组织或其下级组织")
        elif parent.kind not in PARENT_KINDS[kind]:
            errors["parent_id"] = _(
                "%(kind)s不能设在%(parent)s之下",
                kind=ORGANIZATION_KINDS[kind],
                parent=ORGANIZATION_KINDS[parent.kind],
            )
        elif parent.dissolved_on is not None:
            errors["parent_id"] = _("上级党组织已撤销")
    if kind in ("branch", "joint_branch") and organization is not None and organization.id:
        has_children = db.session.scalar(
            select(Organization.id).where(Organization.parent_id == organization.id).limit(1)
        )
        if has_children is not None:
            errors["kind"] = _("该组织下设有党组织，不能改为党支部")
    if kind == "joint_branch":
        if len(covered_unit_names(value("covered_units"))) < 2:
            errors["covered_units"] = _("联合党支部须列出覆盖的单位（至少 2 个，用顿号分隔）")
    elif kind in ORGANIZATION_KINDS and fields.get("covered_units"):
        errors["covered_units"] = _("只有联合党支部填写覆盖单位")
    return errors


def _is_self_or_below(organization: Organization, candidate: Organization) -> bool:
    seen: set[int] = set()
    node: Organization | None = candidate
    while node is not None and node.id not in seen:
        if node.id == organization.id:
            return True
        seen.add(node.id)
        node = node.parent
    return False


def _clean_organization_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for name in ("code", "name", "covered_units"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip() or None
    if cleaned.get("covered_units"):
        cleaned["covered_units"] = "、".join(covered_unit_names(cleaned["covered_units"]))
    return cleaned


def create_organization(**fields: Any) -> Organization:
    """Add an organization (基层党委, 党总支, 党支部 or 联合党支部) to the current unit.

    :param fields: ``code``, ``name``, ``kind``, ``established_on`` (required); ``parent_id``,
        ``dissolved_on``, ``covered_units`` (a 联合党支部's units, required for that kind).
    :returns: the new organization, flushed (it has an id).
    :raises RecordError: every bad field, in Chinese.
    """
    fields = _clean_organization_fields(fields)
    errors = _check_organization(None, fields)
    if errors:
        raise RecordError(errors)
    organization = Organization(**fields)
    db.session.add(organization)
    db.session.flush()
    return organization


def update_organization(organization: Organization, **changes: Any) -> Organization:
    """Change an organization after checking the result as a whole (kind, parent, dates).

    :raises RecordError: every bad field; the organization is left as it was.
    """
    changes = _clean_organization_fields(changes)
    errors = _check_organization(organization, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(organization, name, value)
    db.session.flush()
    return organization


def organization_warnings(organization: Organization, unit_type: str | None = None) -> list[str]:
    """Things allowed but worth a second look (shown after saving, never blocking).

    :param unit_type: the tenant's unit type, for its plugin's thresholds.
    """
    warnings: list[str] = []
    if organization.kind == "joint_branch":
        limit = organization_rule("joint_branch_max_units", unit_type)
        count = len(covered_unit_names(organization.covered_units))
        if count > limit:
            warnings.append(
                _(
                    "联合党支部覆盖 %(count)d 个单位，一般不超过 %(limit)d 个（《中国共产党支部工作条例（试行）》）",
                    count=count,
                    limit=limit,
                )
            )
    return warnings


# --- terms -----------------------------------------------------------------------------------


def default_term_years(organization: Organization, unit_type: str | None = None) -> int:
    """How long a term of this organization lasts: 5 years for a 基层党委, else 3 (by plugin)."""
    if organization.kind == "committee":
        return organization_rule("committee_term_years", unit_type)
    return organization_rule("branch_term_years", unit_type)


def _check_term(
    organization: Organization, term: Term | None, fields: dict[str, Any]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in sorted(set(fields) - TERM_FIELDS):
        errors[name] = _("不能修改此项")
    _date_errors(fields, ("elected_on", "started_on"), errors)
    elected = fields.get("elected_on", term.elected_on if term else None)
    started = fields.get("started_on", term.started_on if term else None) or elected
    if elected is None and "elected_on" not in errors:
        errors["elected_on"] = _("请填写选举日期")
    if (
        not {"elected_on", "started_on"} & set(errors)
        and started is not None
        and elected is not None
        and started < elected
    ):
        errors["started_on"] = _("任期开始日期不能早于选举日期")
    years = fields.get("years", term.years if term else None)
    if years is not None and (not isinstance(years, int) or isinstance(years, bool) or check(years, "term_years")):
        bounds = LIMITS["term_years"]
        errors["years"] = _("任期年数应为 %(low)d 至 %(high)d 的整数", low=bounds.minimum, high=bounds.maximum)
    if not errors and started is not None:
        clash = db.session.scalar(
            select(Term)
            .where(Term.organization_id == organization.id, Term.started_on == started)
            .where(Term.id != (term.id if term is not None and term.id else -1))
            .limit(1)
        )
        if clash is not None:
            errors["started_on"] = _("该组织已有同一天开始的一届")
    return errors


def create_term(
    organization: Organization,
    *,
    elected_on: dt.date,
    started_on: dt.date | None = None,
    years: int | None = None,
    note: str | None = None,
    unit_type: str | None = None,
) -> Term:
    """Record a term (届): elected on a day, running ``years`` from its start.

    :param started_on: defaults to ``elected_on``.
    :param years: defaults to the plugin's term length for the organization's kind.
    :returns: the new term with ``ends_on`` = start + years.
    :raises RecordError: every bad field.
    """
    fields: dict[str, Any] = {"elected_on": elected_on, "started_on": started_on, "note": note}
    fields["years"] = years if years is not None else default_term_years(organization, unit_type)
    errors = _check_term(organization, None, fields)
    if errors:
        raise RecordError(errors)
    start = started_on or elected_on
    term = Term(
        organization_id=organization.id,
        elected_on=elected_on,
        started_on=start,
        years=fields["years"],
        ends_on=add_years(start, fields["years"]),
        note=(note or "").strip() or None,
    )
    db.session.add(term)
    db.session.flush()
    return term


def update_term(term: Term, **changes: Any) -> Term:
    """Change a term; ``ends_on`` follows from the start and the years.

    :raises RecordError: every bad field.
    """
    if "started_on" in changes and changes["started_on"] is None:
        changes["started_on"] = changes.get("elected_on", term.elected_on)
    errors = _check_term(term.organization, term, changes)
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(term, name, value)
    term.ends_on = add_years(term.started_on, term.years)
    db.session.flush()
    return term


def current_term(organization: Organization, on: dt.date | None = None) -> Term | None:
    """The term running on ``on`` (default today), if any."""
    day = on or local_today()
    running = [t for t in organization.terms if t.started_on <= day]
    return running[-1] if running else None


# --- party groups ----------------------------------------------------------------------------


def _member_of(organization: Organization, member_id: int | None) -> Member | None:
    if member_id is None:
        return None
    member = db.session.get(Member, member_id)
    if member is None or member.organization_id != organization.id or member.left_on is not None:
        return None
    return member


def _check_group(organization: Organization, name: Any, leader_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not organization.is_branch:
        errors["organization_id"] = _("党小组只能设在党支部内")
    text = str(name or "").strip()
    if not text:
        errors["name"] = _("请填写党小组名称")
    elif len(text) > 100:
        errors["name"] = _("名称不能超过 100 个字符")
    if leader_id is not None and _member_of(organization, leader_id) is None:
        errors["leader_id"] = _("组长须是本支部的在册党员")
    return errors


def create_party_group(
    organization: Organization, *, name: str, leader_id: int | None = None
) -> PartyGroup:
    """Add a party group (党小组) to a branch.

    :raises RecordError: every bad field.
    """
    errors = _check_group(organization, name, leader_id)
    if errors:
        raise RecordError(errors)
    group = PartyGroup(organization_id=organization.id, name=name.strip(), leader_id=leader_id)
    db.session.add(group)
    db.session.flush()
    return group


def update_party_group(group: PartyGroup, **changes: Any) -> PartyGroup:
    """Rename a party group or change its leader.

    :raises RecordError: every bad field.
    """
    errors = {k: _("不能修改此项") for k in sorted(set(changes) - {"name", "leader_id"})}
    errors.update(
        _check_group(
            group.organization,
            changes.get("name", group.name),
            changes.get("leader_id", group.leader_id),
        )
    )
    if errors:
        raise RecordError(errors)
    for name, value in changes.items():
        setattr(group, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    return group


# --- committee seats -------------------------------------------------------------------------


def assign_seat(
    organization: Organization,
    *,
    member_id: int,
    role: str,
    started_on: dt.date,
    term_id: int | None = None,
) -> CommitteeSeat:
    """Seat a member of the organization on its committee (书记, 副书记, 委员 …).

    A 书记 seat already held is refused: end it first, so the records show the handover.

    :raises RecordError: every bad field.
    """
    errors: dict[str, str] = {}
    member = db.session.get(Member, member_id) if member_id is not None else None
    if member is None or member.organization_id != organization.id or member.left_on is not None:
        errors["member_id"] = _("须是本组织的在册党员")
    if role not in COMMITTEE_ROLES:
        errors["role"] = _("请选择职务")
    _date_errors({"started_on": started_on}, ("started_on",), errors)
    if started_on is None:
        errors["started_on"] = _("请填写任职日期")
    if term_id is not None:
        term = db.session.get(Term, term_id)
        if term is None or term.organization_id != organization.id:
            errors["term_id"] = _("届次不属于本组织")
    current = [s for s in organization.seats if s.ended_on is None]
    if "member_id" not in errors and any(s.member_id == member_id for s in current):
        errors["member_id"] = _("%(name)s 已在本届委员会任职", name=member.name)
    if role in ("secretary",) and any(s.role == role for s in current):
        errors["role"] = _("已有在任书记，请先为其填写离任日期")
    if errors:
        raise RecordError(errors)
    seat = CommitteeSeat(
        organization_id=organization.id,
        member_id=member_id,
        role=role,
        started_on=started_on,
        term_id=term_id,
    )
    db.session.add(seat)
    organization.seats.append(seat)
    db.session.flush()
    return seat


def end_seat(seat: CommitteeSeat, ended_on: dt.date) -> CommitteeSeat:
    """Record the day a committee member left the seat.

    :raises RecordError: for a missing, future or too-early date.
    """
    errors: dict[str, str] = {}
    if ended_on is None:
        errors["ended_on"] = _("请填写离任日期")
    else:
        _date_errors({"ended_on": ended_on}, ("ended_on",), errors)
        if not errors and ended_on < seat.started_on:
            errors["ended_on"] = _("离任日期不能早于任职日期")
    if errors:
        raise RecordError(errors)
    seat.ended_on = ended_on
    db.session.flush()
    return seat



# --- deleting (a record entered by mistake) --------------------------------------------------


def term_delete_refusal(term: Term) -> str | None:
    """Why a term cannot be deleted (seats were recorded in it), or None."""
    return deletion.refusal(
        term,
        (Dependent(CommitteeSeat.term_id, _l("个委员会职务")),),
        what=_("该届"),
        instead=_("可修改这一届的日期，或先删除记在这一届的职务"),
    )


def delete_term(term: Term) -> None:
    """Delete a term entered by mistake.

    :raises RecordError: under ``delete`` while seats belong to it.
    """
    deletion.delete(term, term_delete_refusal(term))


def party_group_delete_refusal(group: PartyGroup) -> str | None:
    """Why a party group cannot be deleted (it has members), or None."""
    return deletion.refusal(
        group,
        (Dependent(Member.party_group_id, _l("名党员")),),
        what=_("该党小组"),
        instead=_("请先在党员信息中把他们编入其他党小组"),
    )


def delete_party_group(group: PartyGroup) -> None:
    """Delete a party group that has no members.

    :raises RecordError: under ``delete`` while members belong to it.
    """
    deletion.delete(group, party_group_delete_refusal(group))


def delete_seat(seat: CommitteeSeat) -> None:
    """Delete a committee seat recorded by mistake (a real departure is an end date instead)."""
    deletion.delete(seat)


def organization_dependents() -> tuple[Dependent, ...]:
    """Records that belong to an organization; while any exist it is not deleted."""
    return (
        Dependent(Member.organization_id, _l("名党员")),
        Dependent(Organization.parent_id, _l("个下级组织")),
        Dependent(Event.organization_id, _l("次组织生活记录")),
        Dependent(DevelopmentCase.organization_id, _l("个发展党员案例")),
        Dependent(Term.organization_id, _l("届委员会")),
        Dependent(CommitteeSeat.organization_id, _l("个委员会职务")),
        Dependent(PartyGroup.organization_id, _l("个党小组")),
        Dependent(FacilityCheck.organization_id, _l("条阵地“六有”记录")),
        Dependent(FundingRecord.organization_id, _l("条经费记录")),
        Dependent(StaffPost.organization_id, _l("个党务工作者岗位")),
        Dependent(PartyDocument.organization_id, _l("份党建工作文档")),
        Dependent(PublicityReport.organization_id, _l("篇宣传报道")),
    )


def organization_delete_refusal(organization: Organization) -> str | None:
    """Why an organization cannot be deleted (records belong to it), or None."""
    return deletion.refusal(
        organization,
        organization_dependents(),
        what=_("该组织"),
        instead=_("如已撤销，请在修改页填写撤销日期（历史记录保留）"),
    )


def delete_organization(organization: Organization) -> None:
    """Delete an organization entered by mistake, with nothing recorded under it.

    :raises RecordError: under ``delete`` naming what belongs to it.
    """
    deletion.delete(organization, organization_delete_refusal(organization))
