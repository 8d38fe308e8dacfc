"""revocation: a public reason chosen from a short list, beside the internal free-text note

Certificates revoked before this revision get the neutral public reason "lainnya": their
free-text reason was written for a public page, but it is now internal and never shown.

Revision ID: 0009_revocation_reason
Revises: 0008_account_verification
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_revocation_reason'
down_revision = '0008_account_verification'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_public_reason', sa.String(length=32),
                                      nullable=True))
    op.execute("UPDATE certificate SET revoked_public_reason = 'lainnya' "
               "WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_certificate_public_reason_only_when_revoked'),
            "revoked_public_reason IS NULL OR revoked_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_public_reason_only_when_revoked'),
                                 type_='check')
        batch_op.drop_column('revoked_public_reason')
