"""answer_option.text_format and feedback_format, question.general_feedback_format: each GIFT
part keeps its own format; existing rows take their question's, in which they were rendered.
quiz.default_format: the format of questions without a marker; existing quizzes, and their
questions stored as "moodle", were all rendered as Markdown, so they are recorded as that

Revision ID: 0016_part_formats
Revises: 0015_jp_year_total
Create Date: 2026-12-05 20:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_part_formats'
down_revision = '0015_jp_year_total'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer_option', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_format', sa.String(length=16), nullable=False,
                                      server_default='moodle'))
        batch_op.add_column(sa.Column('feedback_format', sa.String(length=16), nullable=False,
                                      server_default='moodle'))
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('general_feedback_format', sa.String(length=16),
                                      nullable=False, server_default='moodle'))
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_format', sa.String(length=16), nullable=False,
                                      server_default='moodle'))
        batch_op.create_check_constraint(
            op.f('ck_quiz_default_format'),
            "default_format IN ('markdown', 'moodle', 'html', 'plain')")
    op.execute("UPDATE quiz SET default_format = 'markdown'")
    # Until now "moodle" was rendered as Markdown; from now on it means Moodle's auto-format.
    # What was stored as "moodle" was shown as Markdown, so it is recorded as that.
    op.execute("UPDATE question SET text_format = 'markdown' WHERE text_format = 'moodle'")
    # Until now every part was rendered in its question's format.
    op.execute("UPDATE answer_option SET text_format = (SELECT q.text_format FROM question q "
               "WHERE q.id = answer_option.question_id), feedback_format = (SELECT "
               "q.text_format FROM question q WHERE q.id = answer_option.question_id)")
    op.execute("UPDATE question SET general_feedback_format = text_format")


def downgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_quiz_default_format'), type_='check')
        batch_op.drop_column('default_format')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('general_feedback_format')
    with op.batch_alter_table('answer_option', schema=None) as batch_op:
        batch_op.drop_column('feedback_format')
        batch_op.drop_column('text_format')
