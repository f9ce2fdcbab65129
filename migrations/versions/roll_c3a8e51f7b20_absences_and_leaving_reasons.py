"""Absences on the roll (流动党员外出 / 返回, 出国出境 / 回国) and the leaving reasons 停止党籍, 自行脱党.

Only CHECK constraints change: the membership reasons gain the boundaries of an absence, a
member's leaving reason gains 停止党籍 and 自行脱党, and the roster's mark gains 出国出境.

Revision ID: c3a8e51f7b20
Revises: b7e41c2a9d05
Create Date: 2026-12-07 18:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3a8e51f7b20'
down_revision = 'b7e41c2a9d05'
branch_labels = None
depends_on = None

ABSENCE = ('outflow', 'abroad', 'inflow', 'returned')
OLD = {
    ('membership', 'membership_start_reason', 'start_reason'): (
        'joined', 'transferred_in', 'moved_within', 'inflow', 'returned',
    ),
    ('membership', 'membership_end_reason', 'end_reason'): (
        'transferred_out', 'moved_within', 'outflow', 'abroad', 'deceased', 'expelled', 'removed',
        'suspended', 'lapsed', 'withdrew',
    ),
    ('member', 'left_reason', 'left_reason'): ('transferred', 'deceased', 'removed', 'expelled', 'withdrew'),
    ('member', 'member_away', 'away'): ('on_leave', 'mobile'),
}
NEW = {
    ('membership', 'membership_start_reason', 'start_reason'): (
        'joined', 'transferred_in', 'moved_within', *ABSENCE,
    ),
    ('membership', 'membership_end_reason', 'end_reason'): (
        'transferred_out', 'moved_within', *ABSENCE, 'deceased', 'expelled', 'removed',
        'suspended', 'lapsed', 'withdrew',
    ),
    ('member', 'left_reason', 'left_reason'): (
        'transferred', 'deceased', 'expelled', 'removed', 'suspended', 'lapsed', 'withdrew',
    ),
    ('member', 'member_away', 'away'): ('on_leave', 'mobile', 'abroad'),
}


def _replace(codes: dict) -> None:
    for table in ('member', 'membership'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for (in_table, name, column), allowed in codes.items():
                if in_table != table:
                    continue
                batch_op.drop_constraint(batch_op.f(f'ck_{table}_{name}'), type_='check')
                listed = ", ".join(f"'{code}'" for code in allowed)
                batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{name}'), f'{column} IN ({listed})')


def upgrade():
    _replace(NEW)


def downgrade():
    # Rows using a new code would break the old constraint: they go back to the nearest old code
    # (an absence's boundaries become a move within the unit; the new leavings become 除名).
    op.execute("UPDATE membership SET start_reason = 'moved_within' WHERE start_reason IN ('outflow', 'abroad')")
    op.execute("UPDATE membership SET end_reason = 'moved_within' WHERE end_reason IN ('inflow', 'returned')")
    op.execute("UPDATE member SET left_reason = 'removed' WHERE left_reason IN ('suspended', 'lapsed')")
    op.execute("UPDATE member SET away = 'on_leave' WHERE away = 'abroad'")
    _replace(OLD)
