"""quiz.show_answers: when a review may show the answer key

Existing quizzes get "after_last_attempt" (the answer key and revealing feedback wait until the
learner's last attempt is used or the quiz closes), except practice quizzes, which keep showing
everything at once as they did.

Revision ID: 0010_quiz_review
Revises: 0009_revocation_reason
Create Date: 2026-12-05 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_quiz_review'
down_revision = '0009_revocation_reason'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_answers', sa.String(length=24), nullable=False,
                                      server_default='after_last_attempt'))
        batch_op.create_check_constraint(
            op.f('ck_quiz_show_answers'), "show_answers IN ('after_last_attempt', 'always')")
    op.execute("UPDATE quiz SET show_answers = 'always' WHERE kind = 'practice'")


def downgrade():
    with op.batch_alter_table('quiz', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_quiz_show_answers'), type_='check')
        batch_op.drop_column('show_answers')
