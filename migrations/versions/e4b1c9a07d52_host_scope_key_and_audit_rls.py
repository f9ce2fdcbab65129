"""Second walls that are walls: the host-scope switch needs a key the app role cannot read, and
the audit log gets row-level security by unit.

Before: any SQL of the app role could ``set_config('branchmark.host_scope', 'on')`` and see every
unit's rows. Now the policies call ``branchmark_host_scope()``, a ``SECURITY DEFINER`` function
owned by the table owner that is true only when the transaction set ``branchmark.host_key`` to the
key whose digest is stored in ``branchmark_host_key`` (unreadable by the app role). See
``core/rls.py`` and ``docs/security.md``.

Revision ID: e4b1c9a07d52
Revises: a50c832a9440
Create Date: 2026-12-01 22:10:00

"""

from alembic import op

from core.rls import (
    LEGACY_POLICY_CONDITION,
    POLICY_CONDITION,
    disable_audit_policy,
    enable_audit_policy,
    install_host_scope_check,
    replace_policies,
)

revision = "e4b1c9a07d52"
down_revision = "a50c832a9440"
branch_labels = None
depends_on = None


def _key() -> str | None:
    try:
        from flask import current_app

        return current_app.config.get("DB_HOST_SCOPE_KEY")
    except RuntimeError:  # plain alembic without the app: `branchmark db upgrade` stores it later
        return None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    install_host_scope_check(op, _key())
    replace_policies(op, POLICY_CONDITION)
    enable_audit_policy(op)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    disable_audit_policy(op)
    replace_policies(op, LEGACY_POLICY_CONDITION)
    op.execute("DROP FUNCTION IF EXISTS branchmark_host_scope()")
    op.execute("DROP TABLE IF EXISTS branchmark_host_key")
