"""search_document: the index behind /cari, with SQLite FTS5 or a PostgreSQL tsvector beside it,
filled from the content already in the database

Revision ID: 0014_search_index
Revises: 0013_attempt_flags
Create Date: 2026-12-05 17:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_search_index'
down_revision = '0013_attempt_flags'
branch_labels = None
depends_on = None


def upgrade():
    from app.search.index import rebuild
    from app.search.models import full_text_statements

    op.create_table(
        'search_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('module_id', sa.Integer(), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('anchor', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('title_stems', sa.Text(), nullable=False),
        sa.Column('stems', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['course.id'],
                                name=op.f('fk_search_document_course_id_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['module.id'],
                                name=op.f('fk_search_document_module_id_module'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'],
                                name=op.f('fk_search_document_session_id_workshop_session'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        for column in ('course_id', 'module_id', 'session_id'):
            batch_op.create_index(batch_op.f(f'ix_search_document_{column}'), [column],
                                  unique=False)
    bind = op.get_bind()
    for statement in full_text_statements(bind.dialect.name):
        op.execute(statement)
    rebuild(bind)


def downgrade():
    from app.search.models import drop_full_text_statements

    for statement in drop_full_text_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        for column in ('session_id', 'module_id', 'course_id'):
            batch_op.drop_index(batch_op.f(f'ix_search_document_{column}'))
    op.drop_table('search_document')
