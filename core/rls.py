"""PostgreSQL row-level security: the second wall behind the ORM's tenant filter.

Migrations call these helpers; they do nothing on other databases. The policies read the
settings :mod:`core.tenancy` sets at the start of every transaction.
"""

from __future__ import annotations

import hashlib

from core.config import APP_DB_ROLE

#: The host-scope check: true only when this transaction set ``branchmark.host_key`` to the key
#: whose digest the migration stored in ``branchmark_host_key`` (a table the app role cannot read).
#: The check runs as the table owner (``SECURITY DEFINER``); the app role can call it but can
#: neither read the digest nor change it, so ``set_config`` by any SQL the app role runs cannot
#: open other units' rows without the key, which lives only in the application's memory (and
#: is set transaction-locally, only while host work runs). ``(SELECT …)`` makes it an init-plan:
#: evaluated once per statement, not per row.
HOST_SCOPE_CHECK = "(SELECT branchmark_host_scope())"

#: A row is visible when it belongs to the chosen unit, or when county-wide work was granted.
POLICY_CONDITION = (
    f"{HOST_SCOPE_CHECK}"
    " OR tenant_id = NULLIF(current_setting('branchmark.tenant_id', true), '')::integer"
)
#: The condition before revision e4b1c9a07d52 (kept for its downgrade).
LEGACY_POLICY_CONDITION = (
    "current_setting('branchmark.host_scope', true) = 'on'"
    " OR tenant_id = NULLIF(current_setting('branchmark.tenant_id', true), '')::integer"
)


def host_key_digest(key: str) -> str:
    """What ``branchmark_host_key`` stores for a key (SHA-256, hex), as PostgreSQL computes it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def install_host_scope_check(op, key: str | None, role: str = APP_DB_ROLE) -> None:
    """Create the key table and the ``SECURITY DEFINER`` check; store the digest of ``key``."""
    if not _is_postgres(op):
        return
    op.execute("CREATE TABLE IF NOT EXISTS branchmark_host_key (digest text PRIMARY KEY)")
    # Default privileges gave the app role access to new tables: take it back for this one.
    op.execute(f'REVOKE ALL ON branchmark_host_key FROM PUBLIC, "{role}"')
    op.execute(
        """
        CREATE OR REPLACE FUNCTION branchmark_host_scope() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
          SELECT EXISTS (
            SELECT 1 FROM public.branchmark_host_key
            WHERE digest = encode(sha256(convert_to(
              coalesce(current_setting('branchmark.host_key', true), ''), 'UTF8')), 'hex'))
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION branchmark_host_scope() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION branchmark_host_scope() TO "{role}"')
    if key:
        store_host_key(op.get_bind(), key)


def store_host_key(connection, key: str) -> None:
    """Make ``key`` the one host key (run as the owner: migrations, ``branchmark db upgrade``)."""
    from sqlalchemy import text

    connection.execute(text("DELETE FROM branchmark_host_key"))
    connection.execute(
        text("INSERT INTO branchmark_host_key (digest) VALUES (:digest)"), {"digest": host_key_digest(key)}
    )


def replace_policies(op, condition: str) -> None:
    """Re-create every ``tenant_isolation`` policy with ``condition``."""
    if not _is_postgres(op):
        return
    from sqlalchemy import text

    tables = op.get_bind().execute(
        text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation' AND schemaname = 'public'")
    ).scalars().all()
    for table in tables:
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({condition}) WITH CHECK ({condition})")


def enable_audit_policy(op) -> None:
    """The audit log: anyone may append; a unit's rows are read by that unit, the rest by host work."""
    if not _is_postgres(op):
        return
    op.execute("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY audit_append ON audit_log FOR INSERT WITH CHECK (true)")
    op.execute(
        "CREATE POLICY audit_read ON audit_log FOR SELECT USING ("
        f"{HOST_SCOPE_CHECK} OR (tenant_id IS NOT NULL AND "
        "tenant_id = NULLIF(current_setting('branchmark.tenant_id', true), '')::integer))"
    )


def disable_audit_policy(op) -> None:
    """Undo :func:`enable_audit_policy`."""
    if not _is_postgres(op):
        return
    op.execute("DROP POLICY IF EXISTS audit_read ON audit_log")
    op.execute("DROP POLICY IF EXISTS audit_append ON audit_log")
    op.execute("ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY")


def _is_postgres(op) -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_app_role(op, role: str = APP_DB_ROLE) -> None:
    """Create the non-owner role the application switches to, and let it read and write."""
    if not _is_postgres(op):
        return
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN;
          END IF;
        END $$;
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    op.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
    )
    op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')
    # Any login role that is a member may SET ROLE to it (the app connects, then switches).
    op.execute(f'GRANT "{role}" TO CURRENT_USER')


def enable_tenant_policy(op, table: str) -> None:
    """Turn on row-level security for a tenant-owned table."""
    if not _is_postgres(op):
        return
    install_host_scope_check(op, None)  # the check the policy calls (idempotent)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({POLICY_CONDITION}) WITH CHECK ({POLICY_CONDITION})"
    )


def disable_tenant_policy(op, table: str) -> None:
    """Undo :func:`enable_tenant_policy`."""
    if not _is_postgres(op):
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
