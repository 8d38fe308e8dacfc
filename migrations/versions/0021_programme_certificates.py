"""Programme certificates, particular sessions as programme steps, programme authors

- certificate.programme_id and certificate.components_json: a certificate may attest a
  programme (every step done), one valid per person and programme;
- programme_step.session_id: a step may be one particular workshop or webinar session;
- user.programme_author: a trainer an admin allowed to write programmes in the browser.

Revision ID: 0021_programme_certificates
Revises: 0020_programmes
Create Date: 2026-12-06 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_programme_certificates'
down_revision = '0020_programmes'
branch_labels = None
depends_on = None

# Copied from the models: a migration must not change when the code does.
OLD_ONE_SUBJECT = (
    "(enrollment_id IS NOT NULL AND course_id IS NOT NULL AND registration_id IS NULL "
    "AND session_id IS NULL) OR (enrollment_id IS NULL AND course_id IS NULL AND "
    "registration_id IS NOT NULL AND session_id IS NOT NULL)")
ONE_SUBJECT = (
    "(enrollment_id IS NOT NULL AND course_id IS NOT NULL AND registration_id IS NULL "
    "AND session_id IS NULL AND programme_id IS NULL) OR "
    "(enrollment_id IS NULL AND course_id IS NULL AND registration_id IS NOT NULL "
    "AND session_id IS NOT NULL AND programme_id IS NULL) OR "
    "(enrollment_id IS NULL AND course_id IS NULL AND registration_id IS NULL "
    "AND session_id IS NULL AND programme_id IS NOT NULL)")
OLD_ONE_TARGET = '(course_id IS NULL) <> (session_kind IS NULL)'
ONE_TARGET = ("(CASE WHEN course_id IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN session_kind IS NULL THEN 0 ELSE 1 END) + "
              "(CASE WHEN session_id IS NULL THEN 0 ELSE 1 END) = 1")
VALID = sa.text('revoked_at IS NULL')


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('components_json', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificate_programme_id'), ['programme_id'],
                              unique=False)
        batch_op.create_index('uq_certificate_one_valid_programme', ['user_id', 'programme_id'],
                              unique=True, sqlite_where=VALID, postgresql_where=VALID)
        batch_op.create_foreign_key(batch_op.f('fk_certificate_programme_id_programme'),
                                    'programme', ['programme_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint(op.f('ck_certificate_one_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_certificate_one_subject'), ONE_SUBJECT)

    with op.batch_alter_table('programme_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_programme_step_session_id'), ['session_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_programme_step_session_id_workshop_session'),
                                    'workshop_session', ['session_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.drop_constraint(op.f('ck_programme_step_one_target'), type_='check')
        batch_op.create_check_constraint(op.f('ck_programme_step_one_target'), ONE_TARGET)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_author', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    # Programme certificates and particular-session steps cannot exist without their columns.
    op.execute("DELETE FROM certificate WHERE programme_id IS NOT NULL")
    op.execute("DELETE FROM programme_step WHERE session_id IS NOT NULL")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('programme_author')

    with op.batch_alter_table('programme_step', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_step_one_target'), type_='check')
        batch_op.create_check_constraint(op.f('ck_programme_step_one_target'), OLD_ONE_TARGET)
        batch_op.drop_constraint(batch_op.f('fk_programme_step_session_id_workshop_session'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_programme_step_session_id'))
        batch_op.drop_column('session_id')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_one_subject'), type_='check')
        batch_op.create_check_constraint(op.f('ck_certificate_one_subject'), OLD_ONE_SUBJECT)
        batch_op.drop_constraint(batch_op.f('fk_certificate_programme_id_programme'),
                                 type_='foreignkey')
        batch_op.drop_index('uq_certificate_one_valid_programme', sqlite_where=VALID,
                            postgresql_where=VALID)
        batch_op.drop_index(batch_op.f('ix_certificate_programme_id'))
        batch_op.drop_column('components_json')
        batch_op.drop_column('programme_id')
