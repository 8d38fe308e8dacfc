"""account verification: self-registered accounts wait for an admin; `registration` setting

Every account that exists at upgrade time was made before this rule and is marked verified
(verified_at = created_at, verified_by empty), so nobody loses a certificate or drops out of a
report. The boolean `self_registration` setting becomes `registration`:
true -> "open-with-verification", false -> "closed".

Revision ID: 0008_account_verification
Revises: 0007_workshops
Create Date: 2026-12-05 00:50:00

"""
import json

from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0008_account_verification'
down_revision = '0007_workshops'
branch_labels = None
depends_on = None

setting = sa.table('setting', sa.column('key', sa.String), sa.column('value', sa.Text),
                   sa.column('updated_at', app.database.UTCDateTime()))
user = sa.table('user', sa.column('verified_at', app.database.UTCDateTime()),
                sa.column('created_at', app.database.UTCDateTime()))


def _move_setting(old_key, new_key, convert):
    """Rename a stored setting, converting its JSON value; nothing stored, nothing to do."""
    conn = op.get_bind()
    row = conn.execute(sa.select(setting.c.value).where(setting.c.key == old_key)).first()
    if row is None:
        return
    conn.execute(setting.delete().where(setting.c.key.in_([old_key, new_key])))
    conn.execute(setting.insert().values(key=new_key,
                                         value=json.dumps(convert(json.loads(row.value))),
                                         updated_at=app.database.utcnow()))


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', app.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_verified_at'), ['verified_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_verified_by_id_user'), 'user',
                                    ['verified_by_id'], ['id'], ondelete='SET NULL')
    op.execute(user.update().values(verified_at=user.c.created_at))
    _move_setting('self_registration', 'registration',
                  lambda on: 'open-with-verification' if on else 'closed')


def downgrade():
    _move_setting('registration', 'self_registration',
                  lambda mode: mode == 'open-with-verification')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_verified_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_verified_at'))
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')
