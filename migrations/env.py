import logging
from contextlib import contextmanager, nullcontext
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from flask import current_app

from app.database_setup import BEGIN_IMMEDIATE

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def sqlite_foreign_keys_off(connection):
    """Run the migrations on SQLite with foreign keys off, as batch migrations require.

    A batch migration copies a table, drops the original and renames the copy. With foreign
    keys on, dropping `user` deletes every row pointing at it (ON DELETE CASCADE) or fails
    (RESTRICT: "FOREIGN KEY constraint failed"). The app's engine turns them on for every
    connection (app/database_setup.py), so this connection has them off while the
    migrations run and on again before it goes back to the pool. SQLite ignores the pragma
    inside a transaction: it is set outside one and read back.
    """
    dbapi_connection = connection.connection.dbapi_connection
    _set_foreign_keys(dbapi_connection, False)
    try:
        yield
    finally:
        try:
            _set_foreign_keys(dbapi_connection, True)
        except Exception:
            connection.invalidate()  # never back into the pool with foreign keys off
            raise


def _set_foreign_keys(dbapi_connection, on):
    if dbapi_connection.in_transaction:
        raise CommandError("PRAGMA foreign_keys cannot change inside a transaction")
    dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if dbapi_connection.execute("PRAGMA foreign_keys").fetchone()[0] != int(on):
        raise CommandError(f"SQLite did not turn foreign keys {'on' if on else 'off'}")


def check_sqlite_foreign_keys(connection):
    """With foreign keys off nothing stops a migration from leaving a row that points at a
    row that does not exist; look before the transaction commits, and roll it back if so."""
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        shown = "; ".join(f"{table} row {rowid} -> {parent}"
                          for table, rowid, parent, _ in dangling[:10])
        raise CommandError(
            f"after the migrations {len(dangling)} row(s) point at rows that do not exist "
            f"({shown}). Nothing was changed: fix or delete those rows, then migrate again.")


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    On SQLite the migrations run with foreign keys off (see sqlite_foreign_keys_off) and in
    one transaction, as they do on PostgreSQL: the driver would otherwise commit every
    CREATE, DROP and ALTER at once, and a migration that fails halfway through a table copy
    would leave an `_alembic_tmp_<table>` behind that makes the next run fail too.
    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = dict(current_app.extensions['migrate'].configure_args)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    # Steps that ran: `flask db current` and friends run this file too, and need no check.
    steps = []
    also_on_apply = conf_args.get("on_version_apply")

    def on_version_apply(**kw):
        steps.append(kw["step"])
        if also_on_apply is not None:
            also_on_apply(**kw)

    conf_args["on_version_apply"] = on_version_apply
    # The search index's full-text parts (FTS5 tables, the tsvector column) are not models.
    from app.search.models import not_described_by_models

    conf_args.setdefault("include_object", not_described_by_models)

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        with sqlite_foreign_keys_off(connection) if sqlite else nullcontext():
            if sqlite:
                connection.execution_options(**{BEGIN_IMMEDIATE: True})
                conf_args["transactional_ddl"] = True
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
                if sqlite and steps:
                    check_sqlite_foreign_keys(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
