"""authoring: course files (uploads), quiz GIFT source, browser edit marker

Revision ID: 0004_authoring
Revises: 0003_certificates
Create Date: 2026-11-27 19:59:12.163790

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0004_authoring'
down_revision = '0003_certificates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("mime IN ('application/pdf', 'image/gif', 'image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_course_file_mime')),
    sa.CheckConstraint('size > 0', name=op.f('ck_course_file_size_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_file_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_course_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_file')),
    sa.UniqueConstraint('course_id', 'name', name=op.f('uq_course_file_course_id_name'))
    )
    with op.batch_alter_table('course_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_file_course_id'), ['course_id'], unique=False)

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_edited_at', app.database.UTCDateTime(), nullable=True))

    with op.batch_alter_table('quiz', schema=None) as batch_op:
        # Existing quizzes get their text back on the next `flask content import`.
        batch_op.add_column(sa.Column('gift_source', sa.Text(), nullable=False,
                                      server_default=''))



def downgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_column('gift_source')

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('browser_edited_at')

    with op.batch_alter_table('course_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_file_course_id'))

    op.drop_table('course_file')
