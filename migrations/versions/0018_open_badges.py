"""certificate.status_index and certificate.identity_salt: Open Badges 3.0

Every certificate gets its bit in the revocation status lists (a distinct random position, as
issuing draws them) and the salt of its holder's hashed NIP. Certificates already issued are
given both here, so each of them has an Open Badge too (revoked ones show as revoked in the
status list at once).

Revision ID: 0018_open_badges
Revises: 0017_notifications
Create Date: 2026-12-06 09:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_open_badges'
down_revision = '0017_notifications'
branch_labels = None
depends_on = None

# app/certificates/models.py STATUS_LIST_SIZE, and status_list.FILL (lists at most half full);
# copied: a migration must not change when the code does.
STATUS_LIST_SIZE = 131_072
FILL = 2


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('identity_salt', sa.String(length=32), nullable=True))

    certificate = sa.table('certificate', sa.column('id', sa.Integer()),
                           sa.column('status_index', sa.Integer()),
                           sa.column('identity_salt', sa.String()))
    connection = op.get_bind()
    ids = connection.execute(sa.select(certificate.c.id).order_by(certificate.c.id)).scalars().all()
    capacity = STATUS_LIST_SIZE * (1 + len(ids) * FILL // STATUS_LIST_SIZE)
    # Distinct random positions, not the order of issue (see app/certificates/status_list.py).
    positions = secrets.SystemRandom().sample(range(capacity), len(ids))
    for id_, position in zip(ids, positions):
        connection.execute(certificate.update().where(certificate.c.id == id_).values(
            status_index=position, identity_salt=secrets.token_hex(16)))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('identity_salt', existing_type=sa.String(length=32),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_status_index'),
                                          ['status_index'])


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_status_index'), type_='unique')
        batch_op.drop_column('identity_salt')
        batch_op.drop_column('status_index')
