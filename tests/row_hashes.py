"""A fingerprint of every table, read as the table owner (past the tenant filter and row-level
security), so a test can show that a request changed nothing anywhere."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Engine

from core.db import Base

#: Rows a request may touch without changing any record: who logged in when, throttle counters,
#: a token's last use, the stored live results. Keyed by table; ``None`` ignores the whole table.
VOLATILE: dict[str, set[str] | None] = {
    "login_throttle": None,
    # Stored live results: a cache of the present that any read may refresh (sync mode), never a record.
    "live_result": None,
    "live_state": None,
    "api_token": {"last_used_at", "updated_at"},
    "user_account": {"last_login_at", "last_seen_at", "updated_at"},
}


def table_hashes(engine: Engine) -> dict[str, str]:
    """Table name → SHA-256 of its rows in primary-key order (volatile columns left out)."""
    hashes: dict[str, str] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            skipped = VOLATILE.get(table.name, set())
            if skipped is None:
                continue
            columns = [c for c in table.columns if c.name not in skipped]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            digest = hashlib.sha256()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            hashes[table.name] = digest.hexdigest()
    return hashes


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The tables whose rows differ between two fingerprints."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
