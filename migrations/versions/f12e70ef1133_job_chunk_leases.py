"""Job chunks held under leases, so the remaining workers finish what a dead one held.

Host-level bookkeeping like ``job`` (no tenant, no row-level security).

Revision ID: f12e70ef1133
Revises: dae53a26765a
Create Date: 2026-12-07 02:11:24.178023

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f12e70ef1133'
down_revision = 'dae53a26765a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_chunk',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'leased', 'done', name='job_chunk_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_chunk_job_id_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'number', name=op.f('pk_job_chunk'))
    )


def downgrade():
    op.drop_table('job_chunk')
