"""Expanding the compact demo descriptions into concrete rows: events with attendance, training
records, monthly dues and appraisals. Pure functions of the data, the ids already assigned and
``random.Random`` seeded from the data — the same input always gives the same rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from core.demo.data import EventsSpec, MemberSpec, OrgSpec, PatternSpec, UnitSpec
from core.dues.calculator import calculate_monthly_dues
from core.standards.periods import month_at, month_index


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator for one purpose; string seeds are stable across runs and machines."""
    return random.Random("/".join([str(seed), *map(str, parts)]))


def months_between(first: tuple[int, int], last: tuple[int, int]) -> Iterator[tuple[int, int]]:
    for index in range(month_index(*first), month_index(*last) + 1):
        yield month_at(index)


def working_day(year: int, month: int, day: int) -> dt.date:
    """The day, moved off a weekend: Saturday/Sunday go to Monday unless that leaves the month."""
    day = min(day, calendar.monthrange(year, month)[1])
    date = dt.date(year, month, day)
    if date.weekday() >= 5:
        forward = date + dt.timedelta(days=7 - date.weekday())
        date = forward if forward.month == month else date - dt.timedelta(days=date.weekday() - 4)
    return date


# ---------------------------------------------------------------------------------- dues


# ------------------------------------------------------------------------------ branches


@dataclass
class Person:
    """A member as the expansion needs it: id, number and where they belong."""

    id: int
    spec: MemberSpec

    @property
    def start(self) -> dt.date:
        return self.spec.start

    def belongs_on(self, day: dt.date) -> bool:
        return self.start <= day


@dataclass
class BranchContext:
    unit: UnitSpec
    org: OrgSpec
    org_id: int
    people: list[Person]
    committee_ids: set[int]
    secretary: Person | None
    organization_member: Person | None
    group_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class PlannedEvent:
    org_id: int
    kinds: list[str]
    held_on: dt.date
    topic: str
    location: str
    presenter: str | None
    recorder: str | None
    minutes: str
    hours: Decimal
    pattern: str
    attendance: list[tuple[int, str, str | None]]  # (member id, status, reason)


def plan_events(events: EventsSpec, ctx: BranchContext, as_of: dt.date) -> list[PlannedEvent]:
    """Every event of one branch from ``events.start`` (or its founding) to ``as_of``."""
    plan = events.plan(ctx.unit, ctx.org)
    seed = events.seed
    offset = rng_for(seed, ctx.unit.slug, ctx.org.code, "day").randint(0, 3)
    topic_rng = rng_for(seed, ctx.unit.slug, ctx.org.code, "topics")
    pools = {kind: topic_rng.sample(pool, len(pool)) for kind, pool in events.topics.items()}
    counters: dict[str, int] = {}
    people_rng = rng_for(seed, ctx.unit.slug, ctx.org.code, "attendance")
    pick_rng = rng_for(seed, ctx.unit.slug, ctx.org.code, "presenters")
    leaders = [p for p in ctx.people if p.spec.is_leader or p.id in ctx.committee_ids]
    planned: list[PlannedEvent] = []
    first = max(events.start, ctx.org.established_on)
    for year, month in months_between((first.year, first.month), (as_of.year, as_of.month)):
        for pid in events.profiles[plan.profile]:
            pattern: PatternSpec = events.patterns[pid]
            if month not in pattern.months or (year, month) in plan.missed.get(pid, set()):
                continue
            held_on = working_day(year, month, pattern.day + offset)
            if held_on < first or held_on > as_of:
                continue
            if pattern.attendees == "group":
                for name in sorted(ctx.group_ids):
                    invited = [
                        p for p in ctx.people if p.spec.group == name and p.belongs_on(held_on)
                    ]
                    planned.append(
                        _event(
                            events,
                            ctx,
                            pattern,
                            plan.location,
                            held_on,
                            invited,
                            pools,
                            counters,
                            people_rng,
                            pick_rng,
                            leaders,
                            plan.attendance,
                            prefix=f"{name}：",
                        )
                    )
                continue
            if pattern.attendees == "committee":
                invited = [
                    p for p in ctx.people if p.id in ctx.committee_ids and p.belongs_on(held_on)
                ]
            else:
                invited = [p for p in ctx.people if p.belongs_on(held_on)]
            if not invited:
                continue
            planned.append(
                _event(
                    events,
                    ctx,
                    pattern,
                    plan.location,
                    held_on,
                    invited,
                    pools,
                    counters,
                    people_rng,
                    pick_rng,
                    leaders,
                    plan.attendance,
                )
            )
    return planned


def _event(
    events: EventsSpec,
    ctx: BranchContext,
    pattern: PatternSpec,
    location: str,
    held_on: dt.date,
    invited: list[Person],
    pools: dict[str, list[str]],
    counters: dict[str, int],
    people_rng: random.Random,
    pick_rng: random.Random,
    leaders: list[Person],
    rate: float,
    prefix: str = "",
) -> PlannedEvent:
    main = pattern.kinds[0]
    pinned = events.pinned.get(main, {}).get((held_on.year, held_on.month))
    if pinned is None and main == "general_meeting" and "theme_day" in pattern.kinds:
        pinned = events.pinned.get("theme_day", {}).get((held_on.year, held_on.month))
    if pinned is not None:
        topic = pinned
    else:
        pool = pools[main]
        n = counters.get(main, 0)
        counters[main] = n + 1
        topic = pool[n % len(pool)]
    if (
        main == "general_meeting"
        and "theme_day" in pattern.kinds
        and not topic.startswith("主题党日")
    ):
        topic = f"主题党日暨支部党员大会：{topic}"
    topic = (prefix + topic)[:300]

    secretary = ctx.secretary
    if pattern.presenter == "leader" and leaders:
        presenter = pick_rng.choice(leaders)
    elif pattern.presenter == "organization" and ctx.organization_member:
        presenter = ctx.organization_member
    else:
        presenter = secretary
    recorder = ctx.organization_member or secretary

    rows: list[tuple[int, str, str | None]] = []
    counts = {"present": 0, "excused": 0, "absent": 0}
    for person in invited:
        chance = rate + (0.06 if person.id in ctx.committee_ids else 0.0)
        draw = people_rng.random()
        if (presenter is not None and person.id == presenter.id) or draw < chance:
            status, reason = "present", None
        elif people_rng.random() < events.absent_share:
            status, reason = "absent", None
        else:
            status, reason = "excused", people_rng.choice(events.excuse_reasons)
        counts[status] += 1
        rows.append((person.id, status, reason))
    minutes = (
        f"应到{len(invited)}人，实到{counts['present']}人，请假{counts['excused']}人，"
        f"缺席{counts['absent']}人。"
    )
    return PlannedEvent(
        org_id=ctx.org_id,
        kinds=list(pattern.kinds),
        held_on=held_on,
        topic=topic,
        location=location,
        presenter=presenter.spec.name if presenter else None,
        recorder=recorder.spec.name if recorder else None,
        minutes=minutes,
        hours=pattern.hours,
        pattern=pattern.id,
        attendance=rows,
    )


# ------------------------------------------------------------------------------ training


def plan_training(
    events: EventsSpec,
    people: list[tuple[Person, UnitSpec]],
    secretary_ids: set[int],
    leader_ids: set[int],
) -> list[dict]:
    """Training records (党校 courses, online study) for the members each course names."""
    rows = []
    for course in events.training:
        rng = rng_for(events.seed, "training", course.title)
        for person, unit in people:
            spec = person.spec
            if spec.no in course.except_members or not person.belongs_on(course.taken_on):
                continue
            if course.unit_types and unit.unit_type not in course.unit_types:
                continue
            if course.units and unit.slug not in course.units:
                continue
            if course.who == "secretaries" and person.id not in secretary_ids:
                continue
            if course.who == "leaders" and person.id not in leader_ids:
                continue
            if course.who == "probationary" and spec.status != "probationary":
                continue
            if course.share < 1 and rng.random() >= course.share:
                continue
            rows.append(
                {
                    "member_id": person.id,
                    "taken_on": course.taken_on,
                    "hours": course.hours,
                    "title": course.title,
                    "organizer": course.organizer,
                    "kind": course.kind,
                }
            )
    return rows


# ---------------------------------------------------------------------------------- dues


def plan_dues(
    events: EventsSpec, people: list[Person], proxies: dict[int, str], as_of: dt.date
) -> list[dict]:
    """One row per member per month, from the first month (or joining) to the month before as_of.

    :param proxies: member id → the name of whoever may pay for them (their branch secretary).
    """
    spec = events.dues
    last = month_at(month_index(as_of.year, as_of.month) - 1)
    gaps = {g.member_no: g for g in spec.gaps}
    rows = []
    for person in people:
        member = person.spec
        rng = rng_for(events.seed, "dues", member.no)
        due = calculate_monthly_dues(member.dues_category, member.dues_base).amount
        quarterly = (
            member.dues_category == "retired" and rng.random() < spec.quarterly_share_retired
        )
        start = max(spec.first_month, (member.start.year, member.start.month))
        gap = gaps.get(member.no)
        for year, month in months_between(start, last):
            row = {
                "member_id": person.id,
                "year": year,
                "month": month,
                "amount_due": due,
                "amount_paid": None,
                "paid_on": None,
                "paid_by_proxy": False,
                "proxy_name": None,
                "note": None,
            }
            if gap is not None and (year, month) >= gap.first:
                row["note"] = gap.note
                rows.append(row)
                continue
            if quarterly:
                # Paid in advance for the quarter, in its first month (支部同意按季度交纳).
                pay_month = (month - 1) // 3 * 3 + 1
                day = rng_for(events.seed, "dues", member.no, year, pay_month).randint(
                    *spec.paid_day
                )
                paid_on = dt.date(year, pay_month, day)
                row["note"] = "经支部同意按季度交纳"
            else:
                paid_on = dt.date(year, month, rng.randint(*spec.paid_day))
            # A member who joined mid-month pays that month's dues from the joining day on.
            paid_on = max(paid_on, member.start)
            if paid_on > as_of:
                rows.append(row)
                continue
            row["amount_paid"] = due
            row["paid_on"] = paid_on
            if rng.random() < spec.proxy_share and person.id in proxies:
                row["paid_by_proxy"] = True
                row["proxy_name"] = proxies[person.id]
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------- appraisals


def plan_appraisals(
    events: EventsSpec, org_life: dict[int, dict[int, dt.date]], people: list[tuple[Person, int]]
) -> list[dict]:
    """民主评议 results, dated on each branch's year-end org-life meeting.

    :param org_life: organization id → {year: day of the meeting that counted as 民主评议}.
    :param people: (person, organization id) pairs.
    """
    rows = []
    for appraisal in events.appraisals:
        rng = rng_for(events.seed, "appraisal", appraisal.year)
        for person, org_id in people:
            day = org_life.get(org_id, {}).get(appraisal.year)
            if day is None or not person.belongs_on(day):
                continue
            result = appraisal.results.get(person.spec.no)
            if result is None:
                result = "excellent" if rng.random() < appraisal.excellent_share else "qualified"
            rows.append(
                {
                    "member_id": person.id,
                    "year": appraisal.year,
                    "result": result,
                    "appraised_on": day,
                }
            )
    return rows
