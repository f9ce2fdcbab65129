"""Indexes (tenant_id, created_at) on the record tables the county page reads the newest row of.

The county page lists units that stopped keeping records from each unit's newest event, dues and
training row; with these indexes that is one index probe per unit instead of a scan of every
record of the county (a million events at 1,500 units).

Revision ID: c3f1a7d2e9b4
Revises: c3a8e51f7b20
Create Date: 2026-12-07 18:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f1a7d2e9b4'
down_revision = 'c3a8e51f7b20'
branch_labels = None
depends_on = None

TABLES = ('event', 'dues_payment', 'training_record')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_tenant_id_created_at', table, ['tenant_id', 'created_at'], unique=False)


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_tenant_id_created_at', table_name=table)
