"""Loading the demo county into the configured database, in one transaction.

The data files are read and checked first (:mod:`core.demo.data`); a problem stops the load
before anything is written. Units whose slug already exists are skipped, so loading twice adds
nothing. Rows are written with bulk ``INSERT`` statements per table (the ORM flush — and with it
the per-row audit log — is kept for the few host-level rows: host, parameters, units, users);
one audit row of table ``demo`` records what the load added, written as ``cli:demo``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, inspect, select

from core import safe_yaml
from core.accounts.models import SupervisorScope, User
from core.accounts.services import hash_password
from core.audit.models import AuditLog
from core.audit.recorder import acting_as
from core.authoring.services import effective_standard
from core.demo.data import (
    DEVELOPMENT_FILE,
    MEMBERS_FILE,
    UNITS_FILE,
    DemoData,
    DemoDataError,
    UnitSpec,
    display_path,
    read_demo,
)
from core.demo.expand import (
    BranchContext,
    Person,
    plan_appraisals,
    plan_dues,
    plan_events,
    plan_training,
)
from core.demo.memberships import apply_memberships
from core.demo.records import refusal
from core.documents.models import PartyDocument
from core.dues.models import DuesPayment
from core.events.models import Attendance, Event, EventKind, TrainingRecord
from core.extensions import db
from core.facilities.models import FacilityCheck
from core.facilities.services import checklist, facility_check_errors
from core.funding.models import FundingRecord
from core.funding.services import funding_record_errors
from core.host.models import FiscalBasis, Host, HostParameter, Tenant
from core.host.services import known_unit_types
from core.mass.models import MassActivity, MassOrganization
from core.members.models import Appraisal, DevelopmentCase, DevelopmentStep, Member
from core.members.periods import open_missing_periods
from core.members.services import (
    development_case_errors,
    development_step_errors,
    new_member_errors,
)
from core.organizations.models import CommitteeSeat, Organization, PartyGroup, Term
from core.paths import TENANTS_DIR
from core.staffing.models import StaffPost
from core.staffing.services import staff_post_errors
from core.standards.periods import add_years
from core.tenancy import host_scope

DEMO_DIR = TENANTS_DIR / "demo"
ACTOR = "cli:demo"

#: Written to, in this order; all must exist before loading.
TABLES = (
    Host,
    HostParameter,
    Tenant,
    User,
    SupervisorScope,
    FiscalBasis,
    FundingRecord,
    Organization,
    Term,
    PartyGroup,
    Member,
    CommitteeSeat,
    StaffPost,
    FacilityCheck,
    Event,
    EventKind,
    Attendance,
    TrainingRecord,
    DuesPayment,
    Appraisal,
    DevelopmentCase,
    DevelopmentStep,
    PartyDocument,
    MassOrganization,
    MassActivity,
    AuditLog,
)

ROLE_LABELS = {
    "host_admin": "县委组织部管理员",
    "supervisor": "督导",
    "unit_admin": "单位党组织管理员",
    "secretary": "支部书记",
}


class DemoSchemaMissing(RuntimeError):
    """The database has no tables yet: ``branchmark db upgrade`` must run first."""


@dataclass
class DemoLogin:
    """One demo account as printed for people trying the demo."""

    username: str
    role: str
    display_name: str
    unit: str = ""
    organization: str = ""
    created: bool = True

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass
class DemoSummary:
    """What a load did."""

    folder: Path
    as_of: dt.date
    host_name: str
    host_created: bool
    parameters_added: int
    units_created: list[str]
    units_skipped: list[str]
    counts: dict[str, int]
    logins: list[DemoLogin]
    password: str
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def load_demo(path: Path = DEMO_DIR, *, as_of: dt.date | None = None) -> DemoSummary:
    """Load the demo county from ``path`` into the application's database.

    Must run inside an application context. Idempotent: units whose slug exists are skipped.

    :param path: the demo folder (``host.yaml``, ``units.yaml``, ``members.csv`` …).
    :param as_of: the day records are generated up to; defaults to ``as_of`` in ``host.yaml``.
    :raises DemoDataError: a data file is wrong (file, line and field named); nothing written.
    :raises DemoSchemaMissing: the database has not been migrated.
    """
    started = time.perf_counter()
    data = read_demo(Path(path), as_of)
    _require_schema()
    session = db.session
    try:
        with acting_as(None, ACTOR), host_scope():
            summary = _Load(session, data).run()
            _import_overrides(session)
            session.commit()
    except BaseException:
        session.rollback()
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _import_overrides(session) -> None:
    """The demo units' override files (``tenants/overrides/<slug>.yaml``) into the database,
    where scoring reads them; importing again changes nothing."""
    from flask import current_app
    from sqlalchemy import select

    from core.authoring.services import import_override_file
    from core.host.models import Tenant
    from core.scoring.overrides import read_override_file

    folder = Path(current_app.config["TENANTS_DIR"]) / "overrides"
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    for tenant in session.scalars(select(Tenant).where(Tenant.slug.in_(names)).order_by(Tenant.slug)):
        import_override_file(tenant, read_override_file(folder / f"{tenant.slug}.yaml"), actor=ACTOR)


def _require_schema() -> None:
    inspector = inspect(db.engine)
    missing = [m.__tablename__ for m in TABLES if not inspector.has_table(m.__tablename__)]
    if missing:
        raise DemoSchemaMissing(
            f"数据库尚未建表（缺少 {', '.join(missing[:5])}{' 等' if len(missing) > 5 else ''}）。"
            "请先运行 `branchmark db upgrade`。"
            " / The database has no schema yet: run `branchmark db upgrade` first."
        )


class _Load:
    """One load: the session, the checked data and the ids assigned so far."""

    def __init__(self, session, data: DemoData) -> None:
        self.session = session
        self.data = data
        self.as_of = data.host.as_of
        self.counts: dict[str, int] = defaultdict(int)
        self.warnings: list[str] = []
        self.tenant_ids: dict[str, int] = {}
        self.org_ids: dict[tuple[str, str], int] = {}
        self.latest_term: dict[int, tuple[int, dt.date]] = {}
        #: Every term of an organization elected by as_of, oldest first: (term id, elected on).
        self.terms_of: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
        self.group_ids: dict[tuple[str, str, str], int] = {}
        self.member_ids: dict[str, int] = {}
        self.seat_holders: dict[int, list[tuple[str, int]]] = defaultdict(list)
        #: Rows the services' checks look up, kept loaded for the whole load (see ``_members``).
        self.held: list[Any] = []

    # ------------------------------------------------------------------------------ run

    def run(self) -> DemoSummary:
        data = self.data
        host_created = self._host()
        parameters_added = self._parameters()
        existing = set(
            self.session.scalars(
                select(Tenant.slug).where(Tenant.slug.in_([u.slug for u in data.units]))
            )
        )
        new_units = [u for u in data.units if u.slug not in existing]
        skipped = [u.slug for u in data.units if u.slug in existing]
        known = known_unit_types()
        for unit in new_units:
            if known is not None and unit.unit_type not in known:
                self.warnings.append(f"单位类型 {unit.unit_type} 尚无插件，{unit.slug} 暂不评分")
        if new_units:
            self._tenants(new_units)
            self._fiscal_and_funding(new_units)
            self._organizations(new_units)
            self._members(new_units)
            self._seats(new_units)
            self._staff(new_units)
            self._facilities(new_units)
            people = self._events(new_units)
            self._training(new_units, people)
            self._dues(people)
            self._cases(new_units)
            for table, added in apply_memberships(
                self.session, self.data.folder, self.member_ids, self.org_ids, self.tenant_ids
            ).items():
                self.counts[table] += added
            self._onsite_scores(new_units)
            self._findings_and_honours(new_units)
            self._service_records(new_units)
        logins = self._users(new_units)
        units_created = [u.slug for u in new_units]
        counts = {k: v for k, v in sorted(self.counts.items()) if v}
        self.session.add(
            AuditLog(
                actor=ACTOR,
                action="insert",
                table_name="demo",
                after={
                    "folder": str(data.folder),
                    "as_of": self.as_of.isoformat(),
                    "units_created": units_created,
                    "units_skipped": skipped,
                    "counts": counts,
                },
            )
        )
        self.session.flush()
        return DemoSummary(
            folder=data.folder,
            as_of=self.as_of,
            host_name=data.host.name,
            host_created=host_created,
            parameters_added=parameters_added,
            units_created=units_created,
            units_skipped=skipped,
            counts=counts,
            logins=logins,
            password=data.host.password,
            warnings=self.warnings,
        )

    # -------------------------------------------------------------------------- helpers

    def _service_records(self, units: list[UnitSpec]) -> None:
        """Documents and 群团组织, through their services' own checks (:mod:`core.demo.records`)."""
        from core.demo.records import load_documents, load_mass_organizations

        tenants = {u.slug: self.session.get(Tenant, self.tenant_ids[u.slug]) for u in units}

        def organization_of(slug: str, code: str) -> Organization:
            return self.session.get(Organization, self.org_ids[(slug, code)])

        folder = self.data.folder
        added = load_documents(folder, units, tenants, organization_of, self.as_of)
        added += load_mass_organizations(folder, tenants, self.as_of)
        for table, count in added.items():
            self.counts[table] += count

    def _findings_and_honours(self, units: list[UnitSpec]) -> None:
        """Veto grounds and honours from ``assessments.yaml`` (optional file)."""

        from core.findings.kinds import finding_codes
        from core.scoring.models import Finding, Honour
        from core.vocabulary import HONOUR_LEVELS

        path = self.data.folder / "assessments.yaml"
        if not path.exists():
            return
        data = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
        self._finding_kinds(data.get("finding_kinds") or [], path.name)
        slugs = {u.slug for u in units}
        rows: dict[str, list[dict[str, Any]]] = {"findings": [], "honours": []}
        for section, codes, code_field in (("findings", finding_codes(), "finding"), ("honours", HONOUR_LEVELS, "level")):
            for index, entry in enumerate(data.get(section) or [], start=1):
                where = f"{path.name} {section} 第 {index} 项"
                slug, _, code = str(entry.get("branch", "")).partition("/")
                if slug not in slugs:
                    continue  # a unit that already existed is left as it is
                if (slug, code) not in self.org_ids:
                    raise DemoDataError(f"{where}，字段 branch：没有支部 {entry.get('branch')}")
                if entry.get(code_field) not in codes:
                    raise DemoDataError(f"{where}，字段 {code_field}：应为 {', '.join(codes)} 之一")
                unit = next(u for u in units if u.slug == slug)
                row = {k: v for k, v in entry.items() if k != "branch"}
                row.update(tenant_id=self._tenant_of(unit), organization_id=self.org_ids[(slug, code)])
                rows[section].append(row)
        self._insert(Finding, rows["findings"])
        self._insert(Honour, rows["honours"])

    def _finding_kinds(self, entries: list[dict[str, Any]], file: str) -> None:
        """The county's own finding kinds (beside the built-in ones the migration seeds);
        a kind whose code exists is left as it is. Through the ORM, so each is audited."""
        from core.findings.services import create_kind, kind_by_code
        from core.validation import RecordError

        for index, entry in enumerate(entries, start=1):
            if kind_by_code(str(entry.get("code", ""))) is not None:
                continue
            try:
                create_kind(**{k: entry.get(k) for k in ("code", "label_zh", "label_en", "source", "effect")})
            except RecordError as error:
                field, message = next(iter(error.errors.items()))
                raise DemoDataError(file, f"finding_kinds 第 {index} 项：{message}", field=field) from None
            self.counts["finding_kind"] += 1

    def _onsite_scores(self, units: list[UnitSpec]) -> None:
        """Last year's on-site inspection (现场检查) scores, entered by the supervisors in January.

        Deterministic: the same branch always gets the same marks; branches with planted gaps
        in their records get somewhat lower marks, as an inspector would give.
        """
        from flask import current_app

        from core.plugins.manager import UnknownUnitType
        from core.scoring.models import ManualScore

        registry = current_app.extensions.get("branchmark_plugins")
        year = self.as_of.year - 1
        year_end = dt.date(year, 12, 31)
        entered_on = dt.date(year + 1, 1, 15)
        if registry is None or entered_on > self.as_of:
            return
        gaps = {f"{slug}/{code}" for (slug, code), plan in self.data.events.branches.items() if plan.missed}
        comments = {
            1.0: "现场检查：台账资料齐全、分类规范，作用发挥明显",
            0.9: "现场检查：台账资料较齐全，个别记录不够规范",
            0.8: "现场检查：部分会议记录内容简单，需进一步规范",
        }
        rows = []
        for unit in units:
            try:
                standard = effective_standard(unit.unit_type, on=year_end, registry=registry)
            except (UnknownUnitType, LookupError):
                continue
            manual_items = [i for b in standard.blocks for i in b.items if i.kind == "manual"]
            supervisor = "县委组织部督导组"
            for org in unit.organizations:
                if not org.is_branch or org.established_on > year_end:
                    continue
                key = f"{unit.slug}/{org.code}"
                for item in manual_items:
                    # A stable pseudo-random mark per branch and item.
                    digest = sum(ord(ch) for ch in key + item.id) % 3
                    factor = (1.0, 0.9, 0.8)[digest]
                    if key in gaps and factor == 1.0:
                        factor = 0.9
                    points = (item.max * Decimal(str(factor))).quantize(Decimal("0.5"))
                    rows.append(
                        {
                            "tenant_id": self._tenant_of(unit),
                            "organization_id": self.org_ids[(unit.slug, org.code)],
                            "year": year,
                            "item_id": item.id,
                            "points": points,
                            "comment": comments[factor],
                            "entered_by": supervisor,
                            "entered_on": entered_on,
                        }
                    )
        self._insert(ManualScore, rows)

    def _insert(self, model, rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
        """Bulk INSERT (one statement per batch); returns the new ids in row order if asked."""
        if not rows:
            return []
        table = model.__table__
        self.counts[table.name] += len(rows)
        if ids:
            statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            return list(self.session.execute(statement, rows).scalars())
        self.session.execute(table.insert(), rows)
        return []

    def _tenant_of(self, unit: UnitSpec) -> int:
        return self.tenant_ids[unit.slug]

    # ------------------------------------------------------------------- host and units

    def _host(self) -> bool:
        host = self.session.scalar(select(Host).order_by(Host.id).limit(1))
        if host is not None:
            if host.name != self.data.host.name:
                self.warnings.append(f"数据库中已有县委组织部“{host.name}”，未改动")
            return False
        self.session.add(Host(name=self.data.host.name, county=self.data.host.county))
        self.counts["host"] += 1
        return True

    def _parameters(self) -> int:
        keys = [p["key"] for p in self.data.host.parameters]
        existing = set(
            self.session.scalars(select(HostParameter.key).where(HostParameter.key.in_(keys)))
        )
        added = 0
        for parameter in self.data.host.parameters:
            if parameter["key"] in existing:
                continue
            self.session.add(HostParameter(**parameter))
            added += 1
        self.counts["host_parameter"] += added
        return added

    def _tenants(self, units: list[UnitSpec]) -> None:
        tenants = []
        for unit in units:
            tenant = Tenant(
                slug=unit.slug,
                name=unit.name,
                unit_type=unit.unit_type,
                sub_kind=unit.sub_kind,
                address=unit.address,
                parameters={},
            )
            self.session.add(tenant)
            tenants.append(tenant)
        self.session.flush()
        for unit, tenant in zip(units, tenants, strict=True):
            self.tenant_ids[unit.slug] = tenant.id
        self.counts["tenant"] += len(tenants)

    def _fiscal_and_funding(self, units: list[UnitSpec]) -> None:
        fiscal, funding = [], []
        for unit in units:
            tenant_id = self._tenant_of(unit)
            for year, values in sorted(unit.fiscal.items()):
                fiscal.append(
                    {
                        "tenant_id": tenant_id,
                        "year": year,
                        "entered_on": dt.date(year, 1, 20),
                        **values,
                    }
                )
            for year, lines in sorted(unit.funding.items()):
                for line in lines:
                    row = {k: v for k, v in line.items() if k != "line"}
                    row.update(organization_id=None, year=year)
                    errors, _ = funding_record_errors(None, row)
                    if errors:
                        raise refusal(display_path(self.data.folder / UNITS_FILE), line["line"], errors, f"funding.{year}")
                    funding.append({"tenant_id": tenant_id, **row})
        self._insert(FiscalBasis, fiscal)
        self._insert(FundingRecord, funding)

    # ------------------------------------------------------------------- organizations

    def _organizations(self, units: list[UnitSpec]) -> None:
        depth = 0
        while True:
            level = [(u, o) for u in units for o in u.organizations if o.depth == depth]
            if not level:
                break
            rows = [
                {
                    "tenant_id": self._tenant_of(unit),
                    "parent_id": self.org_ids[(unit.slug, org.parent_code)]
                    if org.parent_code
                    else None,
                    "kind": org.kind,
                    "code": org.code,
                    "name": org.name,
                    "established_on": org.established_on,
                    "dissolved_on": None,
                    "covered_units": org.covered_units,
                }
                for unit, org in level
            ]
            for (unit, org), new_id in zip(
                level, self._insert(Organization, rows, ids=True), strict=True
            ):
                self.org_ids[(unit.slug, org.code)] = new_id
            depth += 1

        terms, owners = [], []
        for unit in units:
            for org in unit.organizations:
                org_id = self.org_ids[(unit.slug, org.code)]
                for term in org.terms:
                    terms.append(
                        {
                            "tenant_id": self._tenant_of(unit),
                            "organization_id": org_id,
                            "elected_on": term.elected_on,
                            "started_on": term.elected_on,
                            "ends_on": add_years(term.elected_on, term.years),
                            "years": term.years,
                            "note": None,
                        }
                    )
                    owners.append((org_id, term.elected_on))
        for (org_id, elected_on), term_id in zip(
            owners, self._insert(Term, terms, ids=True), strict=True
        ):
            if elected_on <= self.as_of:
                self.terms_of[org_id].append((term_id, elected_on))
                if org_id not in self.latest_term or self.latest_term[org_id][1] < elected_on:
                    self.latest_term[org_id] = (term_id, elected_on)
        for held in self.terms_of.values():
            held.sort(key=lambda term: term[1])

    # ---------------------------------------------------------------------------- members

    def _members(self, units: list[UnitSpec]) -> None:
        slugs = {u.slug for u in units}
        members = [m for m in self.data.members if m.unit in slugs]
        groups: list[tuple[str, str, str]] = []
        for m in members:
            key = (m.unit, m.branch, m.group)
            if m.group and key not in groups:
                groups.append(key)
        rows = [
            {
                "tenant_id": self.tenant_ids[slug],
                "organization_id": self.org_ids[(slug, code)],
                "name": name,
                "leader_id": None,
            }
            for slug, code, name in groups
        ]
        for key, new_id in zip(groups, self._insert(PartyGroup, rows, ids=True), strict=True):
            self.group_ids[key] = new_id

        rows = [
            {
                "tenant_id": self.tenant_ids[m.unit],
                "organization_id": self.org_ids[(m.unit, m.branch)],
                "party_group_id": self.group_ids.get((m.unit, m.branch, m.group))
                if m.group
                else None,
                "name": m.name,
                "gender": m.gender,
                "birth_date": m.birth_date,
                "ethnicity": m.ethnicity,
                "education": m.education,
                "position": m.position,
                "id_number": m.id_number,
                "phone": m.phone,
                "status": m.status,
                "joined_on": m.joined_on,
                "full_on": m.full_on,
                "dues_category": m.dues_category,
                "dues_base": m.dues_base,
                "is_leader": m.is_leader,
                "transferred_in_on": m.transferred_in_on,
                "left_on": None,
                "left_reason": None,
                "note": m.note,
            }
            for m in members
        ]
        # Each row through the member service's own checks (as a form or an Excel row would be).
        # The service looks branches and groups up by id: held here, each look-up is the session's
        # identity map, not a query (the map keeps only rows something refers to).
        self.held = [
            *self.session.scalars(select(Organization).where(Organization.id.in_(self.org_ids.values()))),
            *self.session.scalars(select(PartyGroup).where(PartyGroup.id.in_(self.group_ids.values()))),
        ]
        file = display_path(self.data.folder / MEMBERS_FILE)
        for m, row in zip(members, rows, strict=True):
            errors = new_member_errors({k: v for k, v in row.items() if k != "tenant_id"})
            if errors:
                raise refusal(file, m.line, errors)
        for m, new_id in zip(members, self._insert(Member, rows, ids=True), strict=True):
            self.member_ids[m.no] = new_id
        open_missing_periods(self.session)  # each member's period on their branch's roll

        leaders = [
            {"group": self.group_ids[(m.unit, m.branch, m.group)], "leader": self.member_ids[m.no]}
            for m in members
            if m.group_leader
        ]
        if leaders:
            table = PartyGroup.__table__
            self.session.execute(
                table.update()
                .where(table.c.id == bindparam("group"))
                .values(leader_id=bindparam("leader")),
                leaders,
            )

    def _seats(self, units: list[UnitSpec]) -> None:
        by_no = {m.no: m for m in self.data.members}
        rows = []

        def seat(unit: UnitSpec, org_code: str, role: str, no: str) -> None:
            # The same people hold the seat in every term on record (re-elected), one row a term.
            org_id = self.org_ids[(unit.slug, org_code)]
            start = by_no[no].start
            held = self.terms_of.get(org_id) or [(None, start)]
            for index, (term_id, elected_on) in enumerate(held):
                ended_on = held[index + 1][1] if index + 1 < len(held) else None
                if ended_on is not None and ended_on <= start:
                    continue
                rows.append(
                    {
                        "tenant_id": self._tenant_of(unit),
                        "organization_id": org_id,
                        "member_id": self.member_ids[no],
                        "term_id": term_id,
                        "role": role,
                        "started_on": max(elected_on, start),
                        "ended_on": ended_on,
                    }
                )
            self.seat_holders[org_id].append((role, self.member_ids[no]))

        for unit in units:
            for m in self.data.members:
                if m.unit == unit.slug and m.party_post:
                    seat(unit, m.branch, m.party_post, m.no)
            for org in unit.organizations:
                for role, no in org.committee:
                    seat(unit, org.code, role, no)
                self._vacate(unit, org, rows)
        self._insert(CommitteeSeat, rows)

    def _vacate(self, unit: UnitSpec, org, rows: list[dict[str, Any]]) -> None:
        """End the current seat of each role the organization left empty (``vacated``)."""
        org_id = self.org_ids[(unit.slug, org.code)]
        for role, day in org.vacated.items():
            current = [r for r in rows if r["organization_id"] == org_id and r["role"] == role and r["ended_on"] is None]
            if not current or day <= current[0]["started_on"] or day > self.as_of:
                raise DemoDataError(
                    "units.yaml",
                    f"{org.code} 的 {role} 在 {day.isoformat()} 没有可空出的在任委员（应晚于任职日期、不晚于截至日期）",
                    line=org.line,
                    field=f"vacated.{role}",
                )
            for row in current:
                row["ended_on"] = day

    def _staff(self, units: list[UnitSpec]) -> None:
        by_no = {m.no: m for m in self.data.members}
        rows = []
        for unit in units:
            for post in unit.staff:
                row = {
                    "organization_id": self.org_ids[(unit.slug, post.organization)]
                    if post.organization
                    else None,
                    "member_id": self.member_ids[post.member_no] if post.member_no else None,
                    "person_name": by_no[post.member_no].name if post.member_no else post.name,
                    "kind": post.kind,
                    "title": post.title,
                    "started_on": post.started_on,
                    "ended_on": post.ended_on,
                }
                errors, _ = staff_post_errors(None, row)
                if errors:
                    raise refusal(display_path(self.data.folder / UNITS_FILE), post.line, errors, "staff")
                rows.append({"tenant_id": self._tenant_of(unit), **row})
        self._insert(StaffPost, rows)

    def _facilities(self, units: list[UnitSpec]) -> None:
        rows = []
        file = display_path(self.data.folder / UNITS_FILE)
        for unit in units:
            tenant = self.session.get(Tenant, self._tenant_of(unit))
            items = [item.key for item in checklist(tenant)]
            for org in unit.organizations:
                if not org.is_branch:
                    continue
                for item in org.unmet:  # an item the unit type's checklist lacks is refused
                    errors, _, _ = facility_check_errors(
                        tenant, item=item, met=False, checked_on=org.checked_on, checked_by=org.checked_by
                    )
                    if errors:
                        raise refusal(file, org.unmet_lines[item], errors, f"facilities.unmet.{item}")
                # The county inspects every year: the same findings a year earlier, and now.
                for checked_on in (add_years(org.checked_on, -1), org.checked_on):
                    if checked_on < org.established_on or checked_on > self.as_of:
                        continue
                    for item in items:
                        note = org.unmet.get(item)
                        errors, who, note = facility_check_errors(
                            tenant, item=item, met=note is None, checked_on=checked_on,
                            checked_by=org.checked_by, evidence_note=note or "现场查看，符合要求",
                        )
                        if errors:
                            raise refusal(file, org.line, errors, "facilities")
                        rows.append(
                            {
                                "tenant_id": self._tenant_of(unit),
                                "organization_id": self.org_ids[(unit.slug, org.code)],
                                "item": item,
                                "met": item not in org.unmet,
                                "evidence_note": note,
                                "evidence_file": None,
                                "checked_by": who,
                                "checked_on": checked_on,
                            }
                        )
        self._insert(FacilityCheck, rows)

    # ----------------------------------------------------------------------------- events

    def _events(self, units: list[UnitSpec]) -> list[tuple[Person, UnitSpec]]:
        events_spec = self.data.events
        planned = []
        people_all: list[tuple[Person, UnitSpec]] = []
        for unit in units:
            for org in unit.organizations:
                if not org.is_branch:
                    continue
                org_id = self.org_ids[(unit.slug, org.code)]
                people = [
                    Person(self.member_ids[m.no], m)
                    for m in self.data.members
                    if m.unit == unit.slug and m.branch == org.code
                ]
                people_all.extend((p, unit) for p in people)
                holders = self.seat_holders.get(org_id, [])
                by_id = {p.id: p for p in people}
                secretary = next(
                    (by_id[i] for r, i in holders if r == "secretary" and i in by_id), None
                )
                organizer = next(
                    (by_id[i] for r, i in holders if r == "organization" and i in by_id), None
                )
                ctx = BranchContext(
                    unit=unit,
                    org=org,
                    org_id=org_id,
                    people=people,
                    committee_ids={i for _, i in holders},
                    secretary=secretary,
                    organization_member=organizer,
                    group_ids={
                        name: gid
                        for (slug, code, name), gid in self.group_ids.items()
                        if slug == unit.slug and code == org.code
                    },
                )
                planned.extend((unit, e) for e in plan_events(events_spec, ctx, self.as_of))
        rows = [
            {
                "tenant_id": self._tenant_of(unit),
                "organization_id": e.org_id,
                "kind": e.kinds[0],
                "held_on": e.held_on,
                "topic": e.topic,
                "location": e.location,
                "presenter": e.presenter,
                "recorder": e.recorder,
                "minutes": e.minutes,
                "training_hours": e.hours,
                "paper_record": False,
            }
            for unit, e in planned
        ]
        event_ids = self._insert(Event, rows, ids=True)
        kinds, attendance = [], []
        self.org_life: dict[int, dict[int, dt.date]] = defaultdict(dict)
        for (unit, e), event_id in zip(planned, event_ids, strict=True):
            tenant_id = self._tenant_of(unit)
            for kind in e.kinds:
                kinds.append({"tenant_id": tenant_id, "event_id": event_id, "kind": kind})
            for member_id, status, reason in e.attendance:
                attendance.append(
                    {
                        "tenant_id": tenant_id,
                        "event_id": event_id,
                        "member_id": member_id,
                        "status": status,
                        "reason": reason,
                    }
                )
            if "democratic_appraisal" in e.kinds:
                self.org_life[e.org_id].setdefault(e.held_on.year, e.held_on)
        self._insert(EventKind, kinds)
        self._insert(Attendance, attendance)

        tenant_of_member = {p.id: self._tenant_of(u) for p, u in people_all}
        org_of_member = {p.id: self.org_ids[(u.slug, p.spec.branch)] for p, u in people_all}
        appraisals = plan_appraisals(
            events_spec, self.org_life, [(p, org_of_member[p.id]) for p, _ in people_all]
        )
        for row in appraisals:
            row["tenant_id"] = tenant_of_member[row["member_id"]]
            row["note"] = None
        self._insert(Appraisal, appraisals)
        return people_all

    def _training(self, units: list[UnitSpec], people: list[tuple[Person, UnitSpec]]) -> None:
        secretary_ids = {
            i for holders in self.seat_holders.values() for r, i in holders if r == "secretary"
        }
        leader_ids = {p.id for p, _ in people if p.spec.is_leader}
        leader_ids |= {i for holders in self.seat_holders.values() for _, i in holders}
        rows = plan_training(self.data.events, people, secretary_ids, leader_ids)
        tenant_of_member = {p.id: self._tenant_of(u) for p, u in people}
        for row in rows:
            row["tenant_id"] = tenant_of_member[row["member_id"]]
        self._insert(TrainingRecord, rows)

    def _dues(self, people: list[tuple[Person, UnitSpec]]) -> None:
        proxies = {}
        for person, unit in people:
            org_id = self.org_ids[(unit.slug, person.spec.branch)]
            secretary = next(
                (i for r, i in self.seat_holders.get(org_id, []) if r == "secretary"), None
            )
            if secretary is not None and secretary != person.id:
                proxies[person.id] = next(p.spec.name for p, _ in people if p.id == secretary)
        rows = plan_dues(self.data.events, [p for p, _ in people], proxies, self.as_of)
        tenant_of_member = {p.id: self._tenant_of(u) for p, u in people}
        for row in rows:
            row["tenant_id"] = tenant_of_member[row["member_id"]]
        self._insert(DuesPayment, rows)

    def _cases(self, units: list[UnitSpec]) -> None:
        slugs = {u.slug for u in units}
        cases = [c for c in self.data.cases if c.unit in slugs]
        rows = [
            {
                "tenant_id": self.tenant_ids[c.unit],
                "organization_id": self.org_ids[(c.unit, c.branch)],
                "name": c.name,
                "gender": c.gender,
                "birth_date": c.birth_date,
                "id_number": None,
                "stage": c.stage,
                "member_id": self.member_ids[c.member_no] if c.member_no else None,
                "note": c.note,
            }
            for c in cases
        ]
        # Each case and each of its steps, in order, through the development service's own checks.
        file = display_path(self.data.folder / DEVELOPMENT_FILE)
        for case, row in zip(cases, rows, strict=True):
            person = {k: row[k] for k in ("name", "gender", "birth_date")}
            errors = development_case_errors(self.session.get(Organization, row["organization_id"]), person)
            if errors:
                raise refusal(file, case.line, errors)
            done: dict[int, dt.date] = {}
            for step, done_on in sorted(case.steps.items()):
                errors = development_step_errors(done, step, done_on)
                if errors:
                    raise refusal(file, case.step_lines[step], errors, f"steps.{step}")
                done[step] = done_on
        steps = []
        for case, case_id in zip(cases, self._insert(DevelopmentCase, rows, ids=True), strict=True):
            for step, done_on in sorted(case.steps.items()):
                steps.append(
                    {
                        "tenant_id": self.tenant_ids[case.unit],
                        "case_id": case_id,
                        "step": step,
                        "done_on": done_on,
                        "note": case.step_notes.get(step),
                    }
                )
        self._insert(DevelopmentStep, steps)

    # ------------------------------------------------------------------------------ users

    def _users(self, new_units: list[UnitSpec]) -> list[DemoLogin]:
        data = self.data
        wanted: list[tuple[DemoLogin, dict[str, Any]]] = []
        for user in data.host.users:
            wanted.append(
                (
                    DemoLogin(user.username, user.role, user.display_name),
                    {"scopes": user.scope_unit_types},
                )
            )
        new = {u.slug for u in new_units}
        for unit in data.units:
            wanted.append(
                (
                    DemoLogin(
                        unit.admin.username, "unit_admin", unit.admin.display_name, unit=unit.name
                    ),
                    {"unit": unit},
                )
            )
            for org in unit.organizations:
                if not org.secretary_login:
                    continue
                secretary = next(
                    m
                    for m in data.members
                    if m.unit == unit.slug and m.branch == org.code and m.party_post == "secretary"
                )
                wanted.append(
                    (
                        DemoLogin(
                            org.secretary_login,
                            "secretary",
                            f"{secretary.name}（支部书记）",
                            unit=unit.name,
                            organization=org.name,
                        ),
                        {"unit": unit, "org": org.code},
                    )
                )
        names = [login.username for login, _ in wanted]
        existing = set(self.session.scalars(select(User.username).where(User.username.in_(names))))
        password_hash = hash_password(data.host.password)
        logins = []
        created = 0
        for login, extra in wanted:
            unit = extra.get("unit")
            if login.username in existing or (unit is not None and unit.slug not in new):
                login.created = False
                if unit is not None and unit.slug in new:
                    self.warnings.append(f"用户名 {login.username} 已存在，未新建")
                logins.append(login)
                continue
            user = User(
                username=login.username,
                display_name=login.display_name,
                password_hash=password_hash,
                role=login.role,
                tenant_id=self.tenant_ids[unit.slug] if unit is not None else None,
                organization_id=self.org_ids[(unit.slug, extra["org"])] if "org" in extra else None,
            )
            for unit_type in extra.get("scopes", []):
                user.scopes.append(SupervisorScope(unit_type=unit_type))
            self.session.add(user)
            created += 1
            logins.append(login)
        self.counts["user_account"] += created
        self.session.flush()
        return logins


