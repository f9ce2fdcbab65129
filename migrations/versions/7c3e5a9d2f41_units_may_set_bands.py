"""The county decides whether units may set their own grade bands (各等级的最低分).

A unit's bands were only ever written by an override file, which the county itself placed; now a
unit admin edits them on the unit's standard page, so the county's standard carries the
permission beside "units may add items". Existing standards start without it.

Revision ID: 7c3e5a9d2f41
Revises: 1d96e0678113
Create Date: 2026-12-07 03:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3e5a9d2f41'
down_revision = '1d96e0678113'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('county_standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('units_may_set_bands', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('county_standard', schema=None) as batch_op:
        batch_op.drop_column('units_may_set_bands')
