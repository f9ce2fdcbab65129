"""PostgreSQL row-level security: the second wall behind the ORM's tenant filter.

Migrations call these helpers; they do nothing on other databases. The policies read the
settings :mod:`core.tenancy` sets at the start of every transaction.
"""

from __future__ import annotations

from core.config import APP_DB_ROLE

#: A row is visible when it belongs to the chosen unit, or when county-wide work was granted.
POLICY_CONDITION = (
    "current_setting('branchmark.host_scope', true) = 'on'"
    " OR tenant_id = NULLIF(current_setting('branchmark.tenant_id', true), '')::integer"
)


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
