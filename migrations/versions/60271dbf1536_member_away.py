"""A member's long absence (长期请假 / 流动党员), marked on the meeting roster.

Revision ID: 60271dbf1536
Revises: 55ce47ab08d6
Create Date: 2026-12-01 21:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '60271dbf1536'
down_revision = '55ce47ab08d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away', sa.Enum('on_leave', 'mobile', name='member_away', native_enum=False, create_constraint=True, length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_member_member_away'), type_='check')
        batch_op.drop_column('away')
