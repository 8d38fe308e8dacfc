"""jp_year_total: each person's JP per WITA year, pre-aggregated for the reports, filled from
the detailed rows already in the database

Revision ID: 0015_jp_year_total
Revises: 0014_search_index
Create Date: 2026-12-05 19:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_jp_year_total'
down_revision = '0014_search_index'
branch_labels = None
depends_on = None


def upgrade():
    from app.reports.jp_totals import rebuild

    op.create_table(
        'jp_year_total',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('course_jp', sa.Integer(), nullable=False),
        sa.Column('credit_jp', sa.Integer(), nullable=False),
        sa.Column('session_jp', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_jp_year_total_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'year', name=op.f('pk_jp_year_total')),
    )
    with op.batch_alter_table('jp_year_total', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jp_year_total_year'), ['year'], unique=False)
    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('jp_year_total', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jp_year_total_year'))
    op.drop_table('jp_year_total')
