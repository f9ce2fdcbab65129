"""The demo county's rows, as a fingerprint that does not depend on how they were written.

A guard for moving the demo's checks into the record services (issue 11, point 5): the demo
loaded with a fixed ``as_of`` must give the same rows in every table as it did before. Ids are
replaced by what they point at (a member's attendance names the member and the event, not two
numbers), so writing rows in another order or through another path still compares equal; what
legitimately differs between loads — timestamps, salted password hashes, the audit log's
ids — is left out. Same digests on SQLite and PostgreSQL.

If a change to the demo data or its loader is intended, print the new digests with
``BRANCHMARK_PRINT_DEMO_DIGEST=1`` and say in the commit why each table changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, select
from sqlalchemy.engine import Engine

from core.db import Base
from core.demo import load_demo

AS_OF = dt.date(2026, 11, 20)

#: Columns that differ between two loads of the same data; ``None`` leaves the whole table out
#: (the audit log holds ids and times; stored live results are a cache).
LEFT_OUT: dict[str, set[str] | None] = {
    "audit_log": None,
    "live_result": None,
    "live_state": None,
    "login_throttle": None,
    "user_account": {"password_hash"},
    "unit_transfer": {"reference"},  # a random token pairing the two sides
}
#: How deep an id is followed to what it names (enough to tell two branches' like events apart).
DEPTH = 2

#: Table → "rows:first 16 hex digits of their digest", from main (763fcca) before issue 11 point 5;
#: member, membership and the tables naming members changed with the demo's two absences
#: (范晓东 流动党员外出, 吴晓东 出国出境: the ``away`` mark and split periods).
EXPECTED: dict[str, str] = {
    "api_token": "0:e3b0c44298fc1c14",
    "appraisal": "436:06e25d7e866c7fb1",
    "attendance": "26547:3e1750011e8c81b1",
    "committee_seat": "181:d00bd716fa31638e",
    "county_standard": "0:e3b0c44298fc1c14",
    "development_case": "8:c0c351e2969276c0",
    "development_record": "0:e3b0c44298fc1c14",
    "development_step": "100:61187e40d64fab56",
    "dues_payment": "10272:a4f2ec0fdf15b493",
    "event": "1808:82ecd1ea00296c1e",
    "event_attachment": "0:e3b0c44298fc1c14",
    "event_kind": "1986:9bd810d5fd1461e0",
    "exemption": "0:e3b0c44298fc1c14",
    "facility_check": "270:5d08be0786a2297a",
    "finding": "1:85e664a749bf8639",
    "finding_kind": "6:f1ddc479f4298f7e",
    "fiscal_basis": "24:e7511365245954d3",
    "funding_record": "30:3439e1ccbaad2a60",
    "honour": "2:644d7040ad7c8311",
    "host": "1:074127343b268525",
    "host_parameter": "16:b121a47d4bf823f5",
    "job": "0:e3b0c44298fc1c14",
    "job_chunk": "0:e3b0c44298fc1c14",
    "manual_score": "44:5494c34e139c6d7a",
    "mass_activity": "17:82fd4563455f82bb",
    "mass_organization": "7:34c544ee645f2f2b",
    "member": "484:74342dd04828754f",
    "membership": "488:8bb9b5a13fe1ce0f",
    "organization": "28:6e023558588a1122",
    "party_document": "423:3eba1a185644a328",
    "party_group": "7:978783f3eca1965f",
    "probation_decision": "0:e3b0c44298fc1c14",
    "publicity_report": "0:e3b0c44298fc1c14",
    "rectification": "0:e3b0c44298fc1c14",
    "scorecard": "0:e3b0c44298fc1c14",
    "staff_post": "27:e0d3ce5219d12667",
    "standard_version": "0:e3b0c44298fc1c14",
    "supervisor_scope": "5:6f70a81b20581973",
    "tenant": "12:3667bd82667a33eb",
    "term": "44:7927738f33cfff5b",
    "training_record": "751:0ab9460ce44cd698",
    "unit_item_switch": "0:e3b0c44298fc1c14",
    "unit_standard_setting": "2:353376975eeadb22",
    "unit_transfer": "2:3081f56253e5bff1",
    "user_account": "38:12c00cf262e4fa2d",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return value


def demo_digests(engine: Engine) -> dict[str, str]:
    """Table name → digest of its rows (as a multiset), foreign keys replaced by the row named."""
    tables = [t for t in Base.metadata.sorted_tables if LEFT_OUT.get(t.name, set()) is not None]
    plain: dict[str, list[str]] = {}
    links: dict[str, list[tuple[str, str]]] = {}  # table → (column, referenced table)
    rows: dict[str, dict[Any, dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in tables:
            skipped = LEFT_OUT.get(table.name) or set()
            keyed = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys if fk.column.name == "id"}
            links[table.name] = sorted(keyed.items())
            plain[table.name] = [
                c.name
                for c in table.columns
                if c.name not in skipped and c.name not in keyed and not isinstance(c.type, DateTime)
                and not (c.name == "id" and c.autoincrement is not False and c.primary_key)
            ]
            has_id = "id" in table.c
            rows[table.name] = {
                (row["id"] if has_id else index): dict(row)
                for index, row in enumerate(conn.execute(select(table)).mappings())
            }

    memo: dict[tuple[str, Any, int], tuple] = {}

    def natural(table: str, key: Any, depth: int) -> tuple:
        if key is None:
            return ()
        found = memo.get((table, key, depth))
        if found is None:
            row = rows.get(table, {}).get(key)
            if row is None:  # a table left out (or a dangling id): the table's name is all we know
                return (table,)
            found = tuple(_plain(row[c]) for c in plain[table])
            if depth:
                found += tuple(natural(target, row[column], depth - 1) for column, target in links[table])
            memo[(table, key, depth)] = found
        return found

    digests = {}
    for table in tables:
        lines = sorted(repr(natural(table.name, key, DEPTH)) for key in rows[table.name])
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
        digests[table.name] = f"{len(lines)}:{digest}"
    return digests


def test_demo_rows_are_unchanged(app, db, owner_engine):
    load_demo(as_of=AS_OF)
    db.session.commit()
    digests = demo_digests(owner_engine)
    if os.environ.get("BRANCHMARK_PRINT_DEMO_DIGEST"):
        print(json.dumps(digests, indent=4, sort_keys=True))
    assert {k: v for k, v in digests.items() if not v.startswith("0:")}, "the demo wrote no rows"
    changed = sorted(k for k in EXPECTED.keys() | digests.keys() if EXPECTED.get(k) != digests.get(k))
    assert not changed, {k: (EXPECTED.get(k), digests.get(k)) for k in changed}
