"""Row-level security on PostgreSQL and the non-owner application role.

Revision ID: a1c0e2b7d901
Revises: 6c86bcde2bb4
Create Date: 2026-11-22 01:00:00

"""

from alembic import op

from core.rls import create_app_role, disable_tenant_policy, enable_tenant_policy

revision = "a1c0e2b7d901"
down_revision = "6c86bcde2bb4"
branch_labels = None
depends_on = None

#: Every tenant-owned table at this revision; later revisions add their own.
TENANT_TABLES = (
    "fiscal_basis",
    "organization",
    "term",
    "party_group",
    "committee_seat",
    "member",
    "appraisal",
    "development_case",
    "development_step",
    "event",
    "event_kind",
    "attendance",
    "event_attachment",
    "training_record",
    "dues_payment",
    "funding_record",
    "staff_post",
    "facility_check",
)


def upgrade():
    create_app_role(op)
    for table in TENANT_TABLES:
        enable_tenant_policy(op, table)


def downgrade():
    for table in TENANT_TABLES:
        disable_tenant_policy(op, table)



