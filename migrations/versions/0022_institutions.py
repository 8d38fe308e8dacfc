"""institution: providers become records; courses, sessions, programmes and external accounts
point at one, and certificates name a partner provider

Every provider text already in course, workshop_session and programme becomes an institution
(kind guessed from the name as app/institutions/links.py guesses it; "BKPSDM …" is the home
institution), and the rows point at it.

Revision ID: 0022_institutions
Revises: 0021_programme_certificates
Create Date: 2026-12-06 02:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0022_institutions'
down_revision = '0021_programme_certificates'
branch_labels = None
depends_on = None

LINKED = ('course', 'workshop_session', 'programme')
# Copied from app/institutions/links.py: a migration must not change when the code does.
KIND_HINTS = (
    ("university", ("universitas", "institut ", "politeknik", "sekolah tinggi", "akademi")),
    ("ministry", ("kementerian", "badan siber", "bssn", "lembaga administrasi negara",
                  "bpsdm provinsi", "badan pengembangan sumber daya manusia provinsi",
                  "badan kepegawaian negara")),
    ("opd", ("kota palu", "bkpsdm", "dinas ", "badan ", "sekretariat", "inspektorat",
             "kecamatan", "kelurahan", "rsud", "satuan polisi", "bagian ", "disdukcapil",
             "diskominfo", "dpmptsp", "bappeda", "bapperida")),
)


def _clean(name):
    return " ".join((name or "").split())


def _kind(name):
    lowered = _clean(name).casefold() + " "
    return next((kind for kind, hints in KIND_HINTS if any(hint in lowered for hint in hints)),
                "other")


def _slug(name, taken):
    base = re.sub(r"[^a-z0-9]+", "-", _clean(name).casefold()).strip("-")[:90] or "mitra"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def upgrade():
    op.create_table('institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('is_home', sa.Boolean(), nullable=False),
    sa.Column('logo_mime', sa.String(length=32), nullable=True),
    sa.Column('logo_version', sa.Integer(), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('opd', 'university', 'ministry', 'other')", name=op.f('ck_institution_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution')),
    sa.UniqueConstraint('name', name=op.f('uq_institution_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_institution_slug'))
    )
    for table in LINKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_institution_id'), ['institution_id'],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_institution_id_institution'),
                                        'institution', ['institution_id'], ['id'],
                                        ondelete='RESTRICT')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_institution_id'), ['institution_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_institution_id_institution'),
                                    'institution', ['institution_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_name', sa.String(length=200), nullable=False,
                                      server_default=''))
    _link_existing_providers(op.get_bind())


def _link_existing_providers(connection):
    institution = sa.table('institution', sa.column('id', sa.Integer()),
                           sa.column('slug', sa.String()), sa.column('name', sa.String()),
                           sa.column('short_name', sa.String()), sa.column('kind', sa.String()),
                           sa.column('is_home', sa.Boolean()),
                           sa.column('logo_version', sa.Integer()),
                           sa.column('created_at', app.database.UTCDateTime()))
    ids, taken = {}, set()
    for table_name in LINKED:
        table = sa.table(table_name, sa.column('id', sa.Integer()),
                         sa.column('provider', sa.String()),
                         sa.column('institution_id', sa.Integer()))
        for row_id, provider in connection.execute(sa.select(table.c.id, table.c.provider)):
            name = _clean(provider)
            if not name:
                continue
            key = name.casefold()
            if key not in ids:
                connection.execute(institution.insert().values(
                    slug=_slug(name, taken), name=name, short_name='', kind=_kind(name),
                    is_home=key.startswith('bkpsdm'), logo_version=0,
                    created_at=app.database.utcnow()))
                ids[key] = connection.execute(sa.select(institution.c.id).where(
                    institution.c.name == name)).scalar_one()
            connection.execute(table.update().where(table.c.id == row_id).values(
                institution_id=ids[key], provider=name))


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('provider_name')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_institution_id_institution'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_institution_id'))
        batch_op.drop_column('institution_id')
    for table in LINKED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_institution_id_institution'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_institution_id'))
            batch_op.drop_column('institution_id')
    op.drop_table('institution')
