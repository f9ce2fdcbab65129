"""Demo records written through the record services' own checks (documents, 群团组织).

Unlike the bulk tables of :mod:`core.demo.loader`, these files are few rows: each goes through
the same service a form or the API uses, so the demo cannot hold a record a user could not enter.
A :class:`~core.validation.RecordError` becomes a :class:`~core.demo.data.DemoDataError` naming
the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.demo.data import Checker, DemoDataError, LineDict, UnitSpec, display_path, read_yaml
from core.documents.services import document_types, record_document
from core.host.models import Tenant
from core.mass.services import add_activity, create_mass_organization
from core.organizations.models import Organization
from core.tenancy import use_tenant
from core.validation import RecordError

DOCUMENTS_FILE = "documents.yaml"
MASS_FILE = "mass.yaml"


def refusal(file: str, line: int, errors: dict[str, str], where: str = "") -> DemoDataError:
    """The demo's error for a service's ``errors`` (field → message) about ``file`` at ``line``;
    the field is named under ``where`` (e.g. ``moves[1]``) when given."""
    field, message = next(iter(errors.items()))
    return DemoDataError(file, message, line=line, field=f"{where}.{field}" if where else field)


@contextmanager
def service_refusal(file: str, line: int, where: str = "") -> Iterator[None]:
    """Turn a record service's refusal into the demo's error for ``file`` at ``line``."""
    try:
        yield
    except RecordError as error:
        raise refusal(file, line, error.errors, where) from None


def _with_dates(check: Checker, node: LineDict, dates: tuple[str, ...], *, skip: str = "") -> dict[str, Any]:
    """The entry's fields for a service, its date fields parsed (the file's own line named)."""
    fields = {k: v for k, v in node.items() if k != skip}
    for name in dates:
        if name in fields:
            fields[name] = check.date(node, name)
    return fields


def _month_day(check: Checker, value: Any, *, line: int, field: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        dt.date(2024, month, day)  # a leap year: 02-29 is a valid month-day
    except ValueError:
        check.fail(f"应为“月-日”，如 03-31，而不是 {value!r}", line=line, field=field)
    return month, day


def load_documents(
    folder: Path,
    units: list[UnitSpec],
    tenants: dict[str, Tenant],
    organization_of: Callable[[str, str], Organization],
    as_of: dt.date,
) -> Counter[str]:
    """Every branch's party-building documents of ``documents.yaml``, up to ``as_of``.

    :param tenants: the units created by this load, by slug (others are skipped).
    :param organization_of: (unit slug, organization code) → the organization row.
    :returns: rows added per table.
    """
    path = folder / DOCUMENTS_FILE
    if not path.is_file():
        return Counter()
    file = display_path(path)
    check = Checker(file)
    data = read_yaml(path)
    check.known_keys(data, {"years", "dated", "titles", "approved_after_days", "results", "missing"})
    years = [int(check.parse_number(y, line=data.line_of("years"), field="years", integer=True)) for y in check.items(data, "years")]
    dated_node = check.mapping(data, "dated")
    dated: dict[str, list[tuple[int, int]]] = {}
    for code, value in dated_node.items():
        values = value if isinstance(value, list) else [value]
        dated[code] = [_month_day(check, v, line=dated_node.line_of(code), field=f"dated.{code}") for v in values]
    titles = check.mapping(data, "titles")
    approved_after = dt.timedelta(days=int(check.number(data, "approved_after_days", integer=True)))
    results_node = check.mapping(data, "results", required=False)
    missing: set[tuple[str, int, str]] = set()
    for entry in check.items(data, "missing", required=False):
        if not isinstance(entry, LineDict):
            check.fail("每项应为键值映射", line=data.line_of("missing"), field="missing")
        check.known_keys(entry, {"branch", "year", "type"})
        missing.add((check.text(entry, "branch"), int(check.number(entry, "year", integer=True)), check.text(entry, "type")))

    added: Counter[str] = Counter()
    for unit in units:
        tenant = tenants.get(unit.slug)
        if tenant is None:
            continue
        kinds = document_types(tenant)
        for code in (k.key for k in kinds):
            if code not in dated:
                check.fail(f"缺少文档类别“{code}”的成文日期", line=dated_node.line, field=f"dated.{code}")
            if code not in titles:
                check.fail(f"缺少文档类别“{code}”的标题", line=titles.line, field=f"titles.{code}")
        by_code = {k.key: k for k in kinds}
        with use_tenant(tenant.id):
            for spec in unit.organizations:
                if not spec.is_branch:
                    continue
                branch = organization_of(unit.slug, spec.code)
                approver = organization_of(unit.slug, spec.parent_code).name if spec.parent_code else unit.name
                for year in years:
                    for code, kind in by_code.items():
                        if (f"{unit.slug}/{spec.code}", year, code) in missing:
                            continue
                        for month, day in dated[code]:
                            on = dt.date(year, month, min(day, 28) if month == 2 else day)
                            if on > as_of:
                                continue
                            approved = on + approved_after
                            result = None
                            if kind.results:
                                chosen = results_node.get(code) or {}
                                result = chosen.get(f"{unit.slug}/{spec.code}", chosen.get("default"))
                            with service_refusal(file, dated_node.line_of(code)):
                                record_document(
                                    branch,
                                    doc_type=code,
                                    year=year,
                                    title=str(titles[code]).format(year=year, branch=spec.name),
                                    dated_on=on,
                                    approved_by=approver,
                                    approved_on=approved if approved <= as_of else None,
                                    result=result,
                                )
                            added["party_document"] += 1
    return added


def load_mass_organizations(folder: Path, tenants: dict[str, Tenant], as_of: dt.date) -> Counter[str]:
    """The units' 群团组织 and their activities of ``mass.yaml``, activities up to ``as_of``.

    :param tenants: the units created by this load, by slug (others are skipped).
    :returns: rows added per table.
    """
    path = folder / MASS_FILE
    if not path.is_file():
        return Counter()
    file = display_path(path)
    check = Checker(file)
    data = read_yaml(path)
    check.known_keys(data, {"units"})
    added: Counter[str] = Counter()
    units = check.mapping(data, "units")
    for slug, organizations in units.items():
        if not isinstance(organizations, list):
            check.fail("应为群团组织的列表", line=units.line_of(slug), field=f"units.{slug}")
        tenant = tenants.get(slug)
        if tenant is None:
            continue
        with use_tenant(tenant.id):
            for node in organizations:
                if not isinstance(node, LineDict):
                    check.fail("每项应为键值映射", line=units.line_of(slug), field=f"units.{slug}")
                check.known_keys(node, {"kind", "name", "set_up_on", "dissolved_on", "leader", "note", "activities"})
                fields = _with_dates(check, node, ("set_up_on", "dissolved_on"), skip="activities")
                with service_refusal(file, node.line):
                    found = create_mass_organization(**fields)
                added["mass_organization"] += 1
                for activity in check.items(node, "activities", required=False):
                    if not isinstance(activity, LineDict):
                        check.fail("每项应为键值映射", line=node.line_of("activities"), field="activities")
                    fields = _with_dates(check, activity, ("held_on",))
                    if fields.get("held_on") is not None and fields["held_on"] > as_of:
                        continue
                    with service_refusal(file, activity.line):
                        add_activity(found, **fields)
                    added["mass_activity"] += 1
    return added
