"""Membership periods (a member's time on each branch's roll) and transfers between units.

Revision ID: b7e41c2a9d05
Revises: b7e1c4a9d201
Create Date: 2026-12-07 14:50:00

"""
import sqlalchemy as sa
from alembic import op

from core.members.periods import MISSING_PERIODS_SQL
from core.rls import disable_tenant_policy, enable_tenant_policy

# revision identifiers, used by Alembic.
revision = 'b7e41c2a9d05'
down_revision = 'b7e1c4a9d201'
branch_labels = None
depends_on = None

TENANT_TABLES = ('membership', 'unit_transfer')
START_REASONS = ('joined', 'transferred_in', 'moved_within', 'inflow', 'returned')
END_REASONS = (
    'transferred_out', 'moved_within', 'outflow', 'abroad', 'deceased', 'expelled', 'removed',
    'suspended', 'lapsed', 'withdrew',
)


def upgrade():
    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('party_group_id', sa.Integer(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('start_reason', sa.Enum(*START_REASONS, name='membership_start_reason', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('end_reason', sa.Enum(*END_REASONS, name='membership_end_reason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_membership_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_membership_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['party_group_id'], ['party_group.id'], name=op.f('fk_membership_party_group_id_party_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_membership_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('unit_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('direction', sa.Enum('out', 'in', name='transfer_direction', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('peer_tenant_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('member_name', sa.String(length=50), nullable=False),
    sa.Column('member_status', sa.Enum('full', 'probationary', name='transfer_member_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('transfer_on', sa.Date(), nullable=False),
    sa.Column('letter_no', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('dues_paid_through', sa.String(length=7), nullable=True),
    sa.Column('status', sa.Enum('pending', 'accepted', 'refused', 'cancelled', name='transfer_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_unit_transfer_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_unit_transfer_organization_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['peer_tenant_id'], ['tenant.id'], name=op.f('fk_unit_transfer_peer_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_unit_transfer_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_transfer')),
    sa.UniqueConstraint('reference', 'direction', name=op.f('uq_unit_transfer_reference'))
    )
    with op.batch_alter_table('unit_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_transfer_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_transfer_peer_tenant_id'), ['peer_tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_transfer_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_transfer_tenant_id'), ['tenant_id'], unique=False)
    for table in TENANT_TABLES:
        enable_tenant_policy(op, table)
    # Today's members: one period each, from joining (or transferring in) until leaving. The
    # migration owner bypasses row-level security, so every unit's members are carried at once.
    op.execute(sa.text(MISSING_PERIODS_SQL))


def downgrade():
    # The member row keeps the latest period (branch, transfer-in date, leaving) throughout.
    for table in TENANT_TABLES:
        disable_tenant_policy(op, table)
    with op.batch_alter_table('unit_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_transfer_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_unit_transfer_reference'))
        batch_op.drop_index(batch_op.f('ix_unit_transfer_peer_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_unit_transfer_member_id'))
    op.drop_table('unit_transfer')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_membership_organization_id'))
        batch_op.drop_index(batch_op.f('ix_membership_member_id'))
    op.drop_table('membership')
