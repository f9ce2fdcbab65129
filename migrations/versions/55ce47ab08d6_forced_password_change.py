"""A user must change their password at next login (after an admin reset it).

Revision ID: 55ce47ab08d6
Revises: 5d35831aa556
Create Date: 2026-12-01 22:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '55ce47ab08d6'
down_revision = '5d35831aa556'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(
            sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('must_change_password')
