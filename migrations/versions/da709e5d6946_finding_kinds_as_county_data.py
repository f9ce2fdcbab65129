"""Finding kinds as county data: a host table seeded with the built-in kinds; findings reference
it by code instead of a fixed list; findings and honours gain evidence files and revocation.

``finding_kind`` is a host table (no tenant, no row-level security), like ``host_parameter``:
one list for the whole county. ``finding`` and ``honour`` stay tenant tables with their policies.

Revision ID: da709e5d6946
Revises: 5d35831aa556
Create Date: 2026-12-01 21:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'da709e5d6946'
down_revision = '5d35831aa556'
branch_labels = None
depends_on = None

#: The five kinds the code knew before (core/vocabulary.py FINDINGS), with their sources as in
#: the shipped rubrics (shared/reference/rules.md §8.10). Frozen here: the county edits the table.
JINAN = "济教工委〔2021〕23号：一票否决情形、基础工作严重不规范、档案严重缺失、被认定为软弱涣散党组织的，最高评二星"
BUILT_IN = [
    ("leadership_discipline_violation", "班子成员违法违纪", "Leadership member violated law or discipline",
     JINAN + "；评分细则常见做法：班子成员违法违纪的当年定为三类", "一票否决：评星最高二星"),
    ("weak_and_lax", "被认定为软弱涣散党组织", "Determined a weak and lax Party organization",
     JINAN, "一票否决：评星最高二星"),
    ("records_seriously_missing", "基础工作严重不规范、档案严重缺失", "Basic work seriously irregular, records seriously missing",
     JINAN, "一票否决：评星最高二星"),
    ("teacher_ethics_violation", "严重违反师德且监管不力", "Serious breach of teachers' ethics, poorly supervised",
     "中小学校党建工作重点任务清单（县级）第13条：实行师德“一票否决制”，对违反师德行为监管不力的，追究党组织书记的责任",
     "中小学校：一票否决，评星最高二星"),
    ("medical_ethics_violation", "严重违反医德且监管不力", "Serious breach of medical ethics, poorly supervised",
     "医院党建评分细则（示例插件）：发生严重违反医德医风行为且监管不力的，一票否决", "医院：一票否决，评星最高二星"),
]
OLD_CODES = [row[0] for row in BUILT_IN]


def upgrade():
    kinds = op.create_table('finding_kind',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('effect', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_kind')),
    sa.UniqueConstraint('code', name=op.f('uq_finding_kind_code'))
    )
    op.bulk_insert(kinds, [
        {"id": n, "code": code, "label_zh": zh, "label_en": en, "source": source, "effect": effect,
         "active": True, "position": n * 10}
        for n, (code, zh, en, source, effect) in enumerate(BUILT_IN, start=1)
    ])
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids above: move the sequence past them so the county's own kinds get new ones.
        op.execute("SELECT setval(pg_get_serial_sequence('finding_kind', 'id'), (SELECT max(id) FROM finding_kind))")

    with op.batch_alter_table('finding', schema=None) as batch_op:
        # From the fixed list (a CHECK constraint) to any kind in the county's table.
        batch_op.alter_column('finding',
               existing_type=sa.Enum(*OLD_CODES, name='finding_code', native_enum=False, create_constraint=True, length=32),
               type_=sa.String(length=64),
               existing_nullable=False)
        batch_op.add_column(sa.Column('evidence_file', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('revoked_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_finding_finding'), ['finding'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_finding_finding_finding_kind'), 'finding_kind', ['finding'], ['code'])

    with op.batch_alter_table('honour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('evidence_file', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('revoked_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoked_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.Text(), nullable=True))


def downgrade():
    # Findings of the county's own kinds cannot go back into the fixed list: they are removed.
    op.execute(sa.text("DELETE FROM finding WHERE finding NOT IN :codes").bindparams(
        sa.bindparam("codes", OLD_CODES, expanding=True)))
    with op.batch_alter_table('honour', schema=None) as batch_op:
        for column in ('revoked_reason', 'revoked_by', 'revoked_on', 'evidence_file', 'recorded_by', 'note', 'document'):
            batch_op.drop_column(column)
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_finding_finding_kind'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_finding_finding'))
        for column in ('revoked_reason', 'revoked_by', 'revoked_on', 'evidence_file'):
            batch_op.drop_column(column)
        batch_op.alter_column('finding',
               existing_type=sa.String(length=64),
               type_=sa.Enum(*OLD_CODES, name='finding_code', native_enum=False, create_constraint=True, length=32),
               existing_nullable=False)
    op.drop_table('finding_kind')
