"""workshops and webinars: sessions, registrations, calendar feeds, session certificates

A certificate is now for a course (enrolment) or for a session (registration): the course
columns become nullable and a check keeps exactly one of the two.

Revision ID: 0007_workshops
Revises: 0006_user_preferences
Create Date: 2026-11-27 23:19:53.596748

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0007_workshops'
down_revision = '0006_user_preferences'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('workshop_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description_source', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('competency', sa.String(length=32), nullable=False),
    sa.Column('starts_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('ends_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('jp', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('registration_deadline', app.database.UTCDateTime(), nullable=True),
    sa.Column('audience', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checkin_code', sa.String(length=12), nullable=True),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', app.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("audience IN ('all', 'opd')", name=op.f('ck_workshop_session_audience')),
    sa.CheckConstraint("competency IN ('teknis', 'manajerial', 'sosial_kultural')", name=op.f('ck_workshop_session_competency')),
    sa.CheckConstraint("kind IN ('klasikal', 'webinar')", name=op.f('ck_workshop_session_kind')),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f('ck_workshop_session_status')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_workshop_session_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_workshop_session_ends_after_start')),
    sa.CheckConstraint('jp > 0 AND jp <= 200', name=op.f('ck_workshop_session_jp_range')),
    sa.CheckConstraint('registration_deadline IS NULL OR registration_deadline <= starts_at', name=op.f('ck_workshop_session_deadline_before_start')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_workshop_session_seats_in_capacity')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_workshop_session_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organizer_id'], ['user.id'], name=op.f('fk_workshop_session_organizer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_session'))
    )
    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_session_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_session_organizer_id'), ['organizer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('workshop_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('queued_at', app.database.UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', app.database.UTCDateTime(), nullable=True),
    sa.Column('attended_at', app.database.UTCDateTime(), nullable=True),
    sa.Column('attendance_method', sa.String(length=16), nullable=True),
    sa.Column('attendance_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("attendance_method IS NULL OR attendance_method IN ('trainer', 'code')", name=op.f('ck_workshop_registration_attendance_method')),
    sa.CheckConstraint("attended_at IS NULL OR status = 'registered'", name=op.f('ck_workshop_registration_attended_holds_seat')),
    sa.CheckConstraint("status IN ('registered', 'waitlisted', 'cancelled')", name=op.f('ck_workshop_registration_status')),
    sa.CheckConstraint('(attended_at IS NULL) = (attendance_method IS NULL)', name=op.f('ck_workshop_registration_attendance_complete')),
    sa.ForeignKeyConstraint(['attendance_by_id'], ['user.id'], name=op.f('fk_workshop_registration_attendance_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_workshop_registration_session_id_workshop_session'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_workshop_registration_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_registration')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_workshop_registration_session_id_user_id'))
    )
    with op.batch_alter_table('workshop_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_registration_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_registration_user_id'), ['user_id'], unique=False)

    op.create_table('workshop_session_agency',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_workshop_session_agency_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['workshop_session.id'], name=op.f('fk_workshop_session_agency_session_id_workshop_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'agency_id', name=op.f('pk_workshop_session_agency'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
        batch_op.alter_column('enrollment_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('course_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_certificate_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_certificate_one_valid_session', ['user_id', 'session_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_registration_id_workshop_registration'), 'workshop_registration', ['registration_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_certificate_session_id_workshop_session'), 'workshop_session', ['session_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint(
            op.f('ck_certificate_one_subject'),
            "(enrollment_id IS NOT NULL AND course_id IS NOT NULL AND registration_id IS NULL "
            "AND session_id IS NULL) OR (enrollment_id IS NULL AND course_id IS NULL AND "
            "registration_id IS NOT NULL AND session_id IS NOT NULL)")



def downgrade():
    # Certificates of sessions cannot exist without the sessions: they go with them.
    op.execute("DELETE FROM certificate WHERE registration_id IS NOT NULL")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_one_subject'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_certificate_session_id_workshop_session'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_registration_id_workshop_registration'), type_='foreignkey')
        batch_op.drop_index('uq_certificate_one_valid_session', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificate_session_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_registration_id'))
        batch_op.alter_column('course_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('enrollment_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('started_on')
        batch_op.drop_column('session_id')
        batch_op.drop_column('registration_id')

    op.drop_table('workshop_session_agency')
    with op.batch_alter_table('workshop_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_registration_user_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_registration_session_id'))

    op.drop_table('workshop_registration')
    with op.batch_alter_table('workshop_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_workshop_session_organizer_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_session_course_id'))

    op.drop_table('workshop_session')
    op.drop_table('calendar_feed')
