"""Stored live results: each branch's current-year result and each unit's staleness.

Tenant-owned (row-level security on PostgreSQL); a cache of the present, rebuilt by
``branchmark results refresh``.

Revision ID: b7e1c4a9d201
Revises: f12e70ef1133
Create Date: 2026-12-07 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.rls import disable_tenant_policy, enable_tenant_policy

# revision identifiers, used by Alembic.
revision = 'b7e1c4a9d201'
down_revision = 'f12e70ef1133'
branch_labels = None
depends_on = None

TABLES = ("live_result", "live_state")


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table('live_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('standard_key', sa.String(length=100), nullable=False),
    sa.Column('standard_version', sa.String(length=50), nullable=False),
    sa.Column('status', sa.Enum('rated', 'provisional', 'not_rated', name='live_result_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('total', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('max', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('summary', _json(), nullable=False),
    sa.Column('lost', _json(), nullable=False),
    sa.Column('alerts', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_live_result_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_live_result_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_result')),
    sa.UniqueConstraint('organization_id', 'year', name=op.f('uq_live_result_organization_id'))
    )
    with op.batch_alter_table('live_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_result_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_result_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('live_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('stale_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('queued', sa.Boolean(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_live_state_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_state')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_live_state_tenant_id'))
    )
    with op.batch_alter_table('live_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_state_tenant_id'), ['tenant_id'], unique=False)

    for table in TABLES:
        enable_tenant_policy(op, table)


def downgrade():
    for table in TABLES:
        disable_tenant_policy(op, table)
    op.drop_table('live_state')
    op.drop_table('live_result')
