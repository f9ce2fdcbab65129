"""What each branch has due or overdue, from the same records and rules the scorecard reads.

Alerts look forward (this month's meetings, elections within 90 days, probation ending) where
the scorecard looks back; both come from :func:`core.metrics.compute_metrics` and the
unit type's cadences and targets, so a branch is never told two different things.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select

from core.authoring.services import effective_standard
from core.development.models import ProbationDecision
from core.development.timing import probation_ends_on
from core.extensions import db
from core.host.models import Tenant
from core.members.models import DevelopmentCase, Member
from core.members.roll import member_on_roll_clause
from core.metrics import Period, compute_metrics
from core.metrics.dues import DUES_LAPSE_MONTHS
from core.plugins.manager import PluginRegistry, UnknownUnitType
from core.scoring.overrides import overrides_for
from core.standards.overrides import resolve_parameters
from core.standards.periods import (
    month_end,
    month_of,
    months_of,
    months_of_period_holding,
)
from core.tenancy import use_tenant
from core.vocabulary import EVENT_KINDS

Level = Literal["due", "overdue", "warning"]

#: Elections are flagged this many days before the term ends (issue: "within 90 days").
ELECTION_NOTICE_DAYS = 90
#: Probation (预备期, 1 year) ending within this many days.
PROBATION_NOTICE_DAYS = 60
#: A committee role (other than the secretary's) empty for longer than this is overdue for a
#: by-election (补选); before that it is a warning.
VACANCY_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Alert:
    """One thing a branch should do, with how urgent it is."""

    kind: str
    level: Level
    message: str
    due_on: str | None = None
    member_id: int | None = None
    #: What the alert is about, for the link to the form that clears it: the meeting kind.
    subject: str | None = None
    #: The organization a unit-level alert is about (a set-up due).
    organization_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _held(facts: dict[str, Any], kind: str, months: list[str]) -> int:
    per_month = facts.get(f"meetings.{kind}", {})
    return sum(per_month.get(m, 0) for m in months)


def branch_alerts(facts: dict[str, Any], as_of: dt.date, cadences, targets: dict[str, Decimal]) -> list[Alert]:
    """Alerts for one branch from its metric values.

    :param cadences: the unit type's :class:`~core.standards.types.Cadence` records.
    :param targets: training hours by role (``member``, ``leader``), tenant overrides applied.
    """
    alerts: list[Alert] = []
    this_month = month_of(as_of)
    for cadence in cadences:
        name = str(EVENT_KINDS.get(cadence.kind, cadence.label_zh))
        if cadence.period == "month":
            if _held(facts, cadence.kind, [this_month]) < cadence.minimum:
                if cadence.kind == "group_meeting" and not facts.get("organization.group_count"):
                    continue
                alerts.append(Alert("meeting", "due", f"本月尚未召开{name}", month_end(as_of).isoformat(), subject=cadence.kind))
        elif cadence.period == "quarter":
            months = months_of_period_holding(as_of, "quarter")
            if _held(facts, cadence.kind, months) < cadence.minimum:
                end = month_end(dt.date(as_of.year, int(months[-1][5:]), 1))
                alerts.append(Alert("meeting", "due", f"本季度尚未召开{name}", end.isoformat(), subject=cadence.kind))
        elif cadence.period == "year" and as_of.month >= 10:
            months = months_of(str(as_of.year), "year")
            if _held(facts, cadence.kind, months) < cadence.minimum:
                alerts.append(Alert("meeting", "due", f"今年尚未开展{name}", f"{as_of.year}-12-31", subject=cadence.kind))

    for entry in facts.get("dues.lapsed_members", []):
        alerts.append(
            Alert(
                "dues", "overdue",
                f"{entry['name']} 已连续{len(entry['months'])}个月未交党费（满{DUES_LAPSE_MONTHS}个月无正当理由按自行脱党处理，须支部大会讨论）",
                member_id=entry["member_id"],
            )
        )
    lapsed = {e["member_id"] for e in facts.get("dues.lapsed_members", [])}
    for entry in facts.get("dues.unpaid_3_members", []):
        if entry["member_id"] not in lapsed:
            alerts.append(
                Alert("dues", "warning", f"{entry['name']} 已连续{len(entry['months'])}个月未交党费", member_id=entry["member_id"])
            )

    ends_on = facts.get("organization.term_ends_on")
    if ends_on:
        ends = dt.date.fromisoformat(ends_on)
        if ends < as_of:
            alerts.append(Alert("election", "overdue", f"本届任期已于{ends_on}届满，应尽快换届", ends_on))
        elif (ends - as_of).days <= ELECTION_NOTICE_DAYS:
            alerts.append(Alert("election", "due", f"本届任期将于{ends_on}届满，请做好换届准备", ends_on))
    elif facts.get("organization.has_term") is False:
        alerts.append(Alert("election", "warning", "尚未录入支部委员会任期（换届）信息"))

    for case in facts.get("development.overdue_activist_assessments", []):
        alerts.append(
            Alert("development", "overdue", f"入党积极分子 {case['name']} 的半年考察已逾期（应于{case['due_on']}前）", case["due_on"])
        )
    for case in facts.get("development.overdue_probationary_assessments", []):
        alerts.append(
            Alert("development", "overdue", f"预备党员 {case['name']} 的季度考察已逾期（应于{case['due_on']}前）", case["due_on"])
        )
    for member in facts.get("members.probation_ending", []):
        level: Level = "overdue" if member["ends_on"] < as_of.isoformat() else "due"
        alerts.append(
            Alert(
                "probation", level,
                f"预备党员 {member['name']} 预备期于{member['ends_on']}期满，请及时讨论转正",
                member["ends_on"], member["member_id"],
            )
        )

    # 学时 behind pace: the year's target scaled to the share of the year gone by.
    hours = facts.get("training.hours_by_member", {})
    leaders = set(facts.get("training.leader_ids", []))
    names = facts.get("members.names", {})
    elapsed = Decimal(as_of.timetuple().tm_yday) / Decimal(366 if as_of.year % 4 == 0 else 365)
    behind = []
    for member_id, earned in hours.items():
        target = targets.get("leader" if member_id in leaders else "member")
        if target is not None and Decimal(earned) < target * elapsed:
            behind.append(names.get(member_id, str(member_id)))
    if behind:
        shown = "、".join(behind[:5]) + (f"等{len(behind)}人" if len(behind) > 5 else "")
        alerts.append(Alert("training", "warning", f"学时进度落后：{shown}"))

    for vacancy in facts.get("committee.vacancies", []):
        level: Level = "overdue" if vacancy["role"] == "secretary" or vacancy["days"] > VACANCY_NOTICE_DAYS else "warning"
        alerts.append(
            Alert("committee", level, f"{vacancy['label']}自{vacancy['since']}起空缺（{vacancy['days']}天），请及时补选", vacancy["since"], subject=vacancy["role"])
        )
    for document in facts.get("documents.overdue", []):
        alerts.append(
            Alert("document", "overdue", f"{document['label']}应于{document['due_on']}前形成，尚未录入", document["due_on"], subject=document["type"])
        )

    unmet = [key for key, state in facts.get("facilities.items", {}).items() if not state.get("met")]
    if unmet:
        from core.vocabulary import FACILITY_ITEMS, label

        alerts.append(Alert("facility", "warning", "“六有”未达标：" + "、".join(label(FACILITY_ITEMS, k) for k in unmet)))
    return alerts


def unit_alerts(
    tenant: Tenant,
    as_of: dt.date,
    registry: PluginRegistry,
    *,
    facts_by_branch: dict[int, dict[str, Any]] | None = None,
) -> dict[int, list[Alert]]:
    """Alerts for every branch of a unit as of a day, by organization id.

    :param facts_by_branch: the metrics of this unit for ``as_of``'s year read as of ``as_of``
        when the caller already has them (a page that also shows the score); else read here.
    """
    try:
        unit_type = registry.unit_type(tenant.unit_type)
    except UnknownUnitType:
        return {}
    overrides = overrides_for(tenant)
    standard = effective_standard(tenant.unit_type, on=as_of, registry=registry)
    parameters, _ = resolve_parameters(standard.parameters, overrides.parameters)
    targets: dict[str, Decimal] = {}
    for target in unit_type.training_targets:
        value = parameters.get(target.parameter.key, target.parameter.default)
        targets[target.role] = Decimal(str(value))
    period = Period(year=as_of.year, as_of=as_of)
    with use_tenant(tenant.id):
        if facts_by_branch is None:
            facts_by_branch = compute_metrics(period)
        extension = (
            select(DevelopmentCase.member_id, ProbationDecision.extension_months)
            .join(ProbationDecision, ProbationDecision.case_id == DevelopmentCase.id)
            .where(ProbationDecision.kind == "extend", DevelopmentCase.member_id.is_not(None))
            .subquery()
        )
        probation = db.session.execute(
            select(Member.id, Member.organization_id, Member.name, Member.joined_on, extension.c.extension_months)
            .outerjoin(extension, extension.c.member_id == Member.id)
            .where(Member.status == "probationary", member_on_roll_clause(None, as_of))
        ).all()
    ending: dict[int, list[dict[str, Any]]] = {}
    for member_id, organization_id, name, joined_on, months in probation:
        ends = probation_ends_on(joined_on, months)  # 预备期一年, 延长的加上延长期
        if (ends - as_of).days <= PROBATION_NOTICE_DAYS:
            ending.setdefault(organization_id, []).append(
                {"member_id": member_id, "name": name, "ends_on": ends.isoformat()}
            )
    result: dict[int, list[Alert]] = {}
    for organization_id, facts in facts_by_branch.items():
        facts = {**facts, "members.probation_ending": ending.get(organization_id, [])}
        result[organization_id] = branch_alerts(facts, as_of, unit_type.cadences, targets)
    return result


def setup_alerts(tenant: Tenant, as_of: dt.date, registry: PluginRegistry) -> list[Alert]:
    """The unit's organizations due but not set up (:func:`core.organizations.setup.due_setups`),
    each with the day it became due; a unit-level list, not a branch's.
    """
    from core.organizations.setup import SETUP_KINDS, due_setups

    try:
        unit_type = registry.unit_type(tenant.unit_type)
    except UnknownUnitType:
        unit_type = None
    with use_tenant(tenant.id):
        found = due_setups(as_of, {tenant.id: unit_type}).get(tenant.id, [])
    return [
        Alert(
            "setup", "overdue",
            f"{due.organization}应{SETUP_KINDS[due.kind]}：{due.reason}，自{due.due_on.isoformat()}起已{due.days(as_of)}天",
            due.due_on.isoformat(), subject=due.kind, organization_id=due.organization_id,
        )
        for due in found
    ]
