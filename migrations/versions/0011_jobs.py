"""job: background jobs (certificates in bulk, exports, imports, nightly backups)

Revision ID: 0011_jobs
Revises: 0010_quiz_review
Create Date: 2026-12-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0011_jobs'
down_revision = '0010_quiz_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('subject_key', sa.String(length=64), nullable=True),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('summary_json', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
        sa.Column('started_at', app.database.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', app.database.UTCDateTime(), nullable=True),
        sa.Column('retry_at', app.database.UTCDateTime(), nullable=True),
        sa.Column('finished_at', app.database.UTCDateTime(), nullable=True),
        sa.Column('worker', sa.String(length=128), nullable=True),
        sa.Column('result_path', sa.String(length=255), nullable=True),
        sa.Column('result_name', sa.String(length=255), nullable=True),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('result_expires_at', app.database.UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                           name=op.f('ck_job_state_known')),
        sa.CheckConstraint('progress_done >= 0 AND progress_total >= 0',
                           name=op.f('ck_job_progress_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_job_created_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_state_heartbeat', ['state', 'heartbeat_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_subject_key'), ['subject_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_created_by_id'), ['created_by_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_job_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('job')
