"""Shared fixtures. The suite runs on SQLite, or on PostgreSQL when LMS_TEST_DATABASE_URL is set
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/kompeten_test; the database must exist).

Run in parallel (`pytest -n auto`, as `make test` does), each worker has a database of its own:
a SQLite file in its own temporary folder, or `<name>_gw0`, `<name>_gw1`… next to the
PostgreSQL database, created fresh at the start. Tests that share something a worker cannot
split (the one browser live server, real processes with ports, Redis database 15, gunicorn's
control socket) are kept together by `xdist_group` marks (see `pytest_collection_modifyitems`),
so each such group runs on one worker while the rest is spread over all of them."""

import copy
import gc
import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import current_app, g, request_started, request_tearing_down
from jinja2 import BytecodeCache
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.auth import services as auth_services
from app.auth.models import User
from app.auth.user_cache import USERS_STAMP, forget_users
from app.content.loader import import_courses
from app.courses.outline_cache import forget_outlines
from app.extensions import db
from app.settings import STAMP_FILE, write_stamp

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_COURSES = ROOT / "courses"
POSTGRES_URL = os.environ.get("LMS_TEST_DATABASE_URL")
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf_token" value="([^"]+)"')

# Valid NIPs to build users from (PNS and PPPK layouts).
PNS_NIP = "198609262015051001"
PPPK_NIP = "200012312024211001"
PASSWORD = "rahasia-palu-2026"


def calm_garbage_collection():
    """Collect cyclic garbage less often in the test process: each test builds an app, an engine
    and hundreds of ORM objects, and with Python's default thresholds (700 allocations) the
    collector kept walking every object the imports made (15 % of tests/certificates and
    tests/authoring, measured). What exists now (modules, the parsed fonts, compiled templates)
    is frozen out of the collector's view; cycles the tests make are still collected, after
    50,000 allocations."""
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


calm_garbage_collection()

# Tests that share something a worker cannot split run on one worker, in file order; the
# marks also let them be chosen or left out (`-m browser`, `-m "not processes"`).
# - browser: the one live server and seeded site of tests/browser/ (a package fixture).
# - redis: Redis database 15 (rate-limit counters, health checks) and gunicorn's control
#   socket in instance/.
# Other tests that start processes use free ports and their own folders: they are marked
# `processes` but spread over the workers like the rest.
GROUPS = {"browser": "browser"}
REDIS_FILES = {
    "operations/test_health_and_backup.py", "operations/test_multiprocess.py",
    "operations/test_redis_outage.py", "security/test_login_throttle.py",
}
PROCESS_FILES = REDIS_FILES | {
    "jobs/test_consumer.py", "content/test_import_resilience.py", "operations/test_faults.py",
    "operations/test_startup_checks.py", "security/test_nginx.py",
    "operations/test_worker_memory.py",
}


# tryfirst: pytest-xdist's worker reads the `xdist_group` marks in its own
# pytest_collection_modifyitems; a conftest hook runs after it unless asked to run first, and the
# marks would then change nothing (the groups were spread over the workers until 6 December).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    tests_root = Path(__file__).resolve().parent
    for item in items:
        relative = item.path.relative_to(tests_root).as_posix()
        if relative.split("/")[0] in GROUPS:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(GROUPS[relative.split("/")[0]]))
        elif relative in PROCESS_FILES:
            item.add_marker(pytest.mark.processes)
            if relative in REDIS_FILES:
                item.add_marker(pytest.mark.xdist_group("redis"))


def _worker_database(worker):
    """A fresh PostgreSQL database for one xdist worker, next to LMS_TEST_DATABASE_URL's."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    if POSTGRES_URL:
        return POSTGRES_URL if worker_id == "master" else _worker_database(worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kompeten-test.db'}"


def _empty_all_tables():
    """Delete every row, children before parents. DELETE, not TRUNCATE: on PostgreSQL a
    TRUNCATE per test rewrites and fsyncs every table, many times slower for tiny tables.
    Only the tables that have rows (found in one statement): a test fills a few of ~80."""
    try:
        filled = _tables_with_rows(sorted_tables())
    except DBAPIError:  # a table is missing: made again
        db.session.rollback()
        db.create_all()
        filled = _tables_with_rows(sorted_tables())
    for table in reversed(sorted_tables()):
        if table.name not in filled:
            continue
        # A row pointing at another row of its own table (a unit inside an OPD) is unlinked
        # first: ON DELETE RESTRICT is checked row by row.
        for fk in table.foreign_keys:
            if fk.column.table is table:
                db.session.execute(table.update().values({fk.parent.name: None}))
        db.session.execute(table.delete())
    db.session.commit()
    forget_outlines()  # they were tagged with the content version just deleted
    if not _instance_paths():
        _hold(current_app.config["SQLALCHEMY_DATABASE_URI"], ())


class SharedBytecode(BytecodeCache):
    """Compiled templates shared by every app of a test process. Each test builds a fresh app,
    and so a fresh Jinja environment that would compile every template it renders again (an
    eighth of the suite's time). Jinja checks each entry against the template's source."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


SHARED_BYTECODE = SharedBytecode()


def share_url_builders():
    """Compile each URL rule's builder once per test process, not once per app.

    Werkzeug compiles two Python functions (through `ast` and `compile`) for every URL rule an
    app registers, to build its URLs: ~350 functions, ~85 % of `create_app` and, with a fresh
    app per test, several minutes of the suite. A builder depends only on the rule's text, its
    parsed parts, its defaults (baked in as constants) and whether unknown arguments become a
    query string; it reaches the rule's converters through the `self` it is bound to. So the
    function is shared between equal rules of different apps, and each app binds it to its own
    rule as before. Werkzeug's private method is checked by tests/test_url_builders.py."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "shared", False):
        return
    built = {}

    def shared_builder(rule, append_unknown=True):
        key = (rule.rule, rule.host, rule.subdomain, rule.merge_slashes, append_unknown,
               tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in rule._converters.items()))
        if key not in built:
            built[key] = compile_builder(rule, append_unknown)
        return built[key]

    shared_builder.shared = True
    shared_builder.original = compile_builder
    Rule._compile_builder = shared_builder


share_url_builders()


def share_rule_parsing():
    """Parse each URL rule once per test process, not once per app: Werkzeug's Rule.compile
    reads the rule's text with regular expressions into its parts (for matching), its trace
    (for building) and its converters, about half of what `create_app` still costs after
    the builders are shared. Equal rules on maps with the same converters parse the same, so
    later apps copy the first parse. Converters are shared too: Werkzeug's and IdConverter
    keep only their settings (regex, bounds), never state of the map they were made for.
    Checked against Werkzeug's own parse by tests/test_url_builders.py."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    if getattr(compile_rule, "shared", False):
        return
    parsed = {}

    def shared_compile(rule):
        converters = tuple(sorted(rule.map.converters.items()))
        key = (rule.rule, rule.host, rule.subdomain, rule.merge_slashes,
               rule.map.host_matching, converters)
        if key not in parsed:
            arguments_before = set(rule.arguments)
            compile_rule(rule)
            parsed[key] = (rule._parts, rule._trace, rule._converters,
                           rule.arguments - arguments_before)
            return
        parts, trace, rule_converters, arguments = parsed[key]
        rule._parts, rule._trace = list(parts), list(trace)
        rule._converters = dict(rule_converters)
        rule.arguments.update(arguments)
        rule._build = rule._compile_builder(False).__get__(rule, None)
        rule._build_unknown = rule._compile_builder(True).__get__(rule, None)

    shared_compile.shared = True
    shared_compile.original = compile_rule
    Rule.compile = shared_compile


share_rule_parsing()


# The config key with which configured_app() asks for an engine shared with earlier apps.
SHARED_ENGINE = "TEST_SHARED_ENGINE"


def share_engines():
    """One SQLAlchemy engine per test process and engine settings for the apps configured_app()
    builds, instead of one per app.

    An engine keeps the statements it compiled (SQL text and result handling, per dialect) and
    its dialect learns the database on its first connection. With an engine per test, every
    test compiled every statement it ran again: 14 % of tests/auth and tests/courses in a
    profile. After each test `_hand_back` closes PostgreSQL's connections and forgets an
    engine the test added listeners to. Apps a test builds itself with create_app() keep
    engines of their own, as before."""
    make_engine = db._make_engine
    if getattr(make_engine, "shared", False):
        return

    def shared_engine(bind_key, options, app):
        if not app.config.get(SHARED_ENGINE):
            return make_engine(bind_key, options, app)
        # The settings app.database_setup reads into the engine's listeners belong to the key.
        key = (bind_key, repr(sorted(options.items())),
               app.config.get("SQLITE_BUSY_TIMEOUT_MS"), app.config.get("SQLITE_SYNCHRONOUS"))
        if key not in ENGINES:
            ENGINES[key] = make_engine(bind_key, options, app)
        return ENGINES[key]

    shared_engine.shared = True
    db._make_engine = shared_engine


def _listeners(engine):
    """Which listeners an engine and its pool have, event by event."""
    return tuple((name, tuple(getattr(dispatch, name)))
                 for dispatch in (engine.dispatch, engine.pool.dispatch)
                 for name in sorted(dispatch._event_names))


def _hand_back(engine):
    """End a test's use of a shared engine. SQLite's connections stay open for the next test:
    closing the last one checkpoints and removes the WAL file, and the next test's first
    connection sets it all up again (~4 ms a test). PostgreSQL's are closed, since a test may
    kill them. An engine the test left a listener on is forgotten (the next test gets a new
    one)."""
    tampered = _listeners(engine) != ENGINE_LISTENERS[engine]
    if tampered or engine.dialect.name != "sqlite":
        engine.dispose()
    if tampered:
        for key in [key for key, kept in ENGINES.items() if kept is engine]:
            del ENGINES[key]
        del ENGINE_LISTENERS[engine]
        SCHEMA_MADE.discard(engine)


def _make_schema():
    """create_all() once per shared engine: it asks the database about each of ~80 tables.
    Any DDL statement in the process (a migration test, a drop) makes it run again, and so
    does a missing table found while emptying them (`_empty_all_tables`)."""
    if db.engine not in SCHEMA_MADE:
        db.create_all()
        SCHEMA_MADE.add(db.engine)


def sorted_tables():
    """db.metadata.sorted_tables, sorted once: SQLAlchemy sorts them again on every call."""
    names = tuple(db.metadata.tables)
    if SORTED_TABLES.get("names") != names:
        SORTED_TABLES.update(names=names, tables=db.metadata.sorted_tables)
    return SORTED_TABLES["tables"]


ENGINES = {}  # (bind key, engine options, settings its listeners read) -> Engine
ENGINE_LISTENERS = {}  # shared Engine -> its listeners as its first app set it up
SCHEMA_MADE = set()  # shared engines whose database has every table (until a DDL statement)
SORTED_TABLES = {}
share_engines()


@contextmanager
def configured_app(database_url, tmp_path, **settings):
    """A test app (with these config overrides) on the worker's emptied database, inside its
    app context; its connections are closed afterwards (a PostgreSQL connection left to the
    garbage collector fails whichever test runs at the next collection)."""
    app = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "COURSES_DIR": str(BUNDLED_COURSES),
        SHARED_ENGINE: True,
        **settings,
    })
    app.jinja_env.bytecode_cache = SHARED_BYTECODE
    with app.app_context():
        ENGINE_LISTENERS.setdefault(db.engine, _listeners(db.engine))
        _make_schema()
        _empty_all_tables()
        try:
            yield app
        finally:
            db.session.remove()
            _hand_back(db.engine)


@pytest.fixture
def app(database_url, tmp_path):
    with configured_app(database_url, tmp_path) as app:
        yield app


@pytest.fixture(autouse=True)
def fresh_request_globals():
    """Give every request a clean `g`, as a real server does.

    The `app` fixture keeps one app context open for the whole test, and Flask reuses an open
    app context (and so its `g`) for each test-client request. Flask-Login caches the loaded
    user in `g._login_user` and Flask-WTF the signed CSRF token in `g.csrf_token`, so without
    this a second client (or a replayed cookie) would silently reuse the first client's user
    and token, and session tests would prove nothing.
    """

    def clear_globals(sender, **extra):
        for name in list(vars(g)):
            delattr(g, name)

    request_started.connect(clear_globals)
    yield
    request_started.disconnect(clear_globals)


@pytest.fixture(autouse=True)
def end_transaction_after_request():
    """End each request's transaction as a real server does.

    A server tears the app context down after every request, and Flask-SQLAlchemy then
    rolls back whatever the request left open. Here the `app` fixture's context (and its
    session) outlives the requests, so without this a POST that read something after its
    commit would keep SQLite's write lock (BEGIN IMMEDIATE) and block every other connection.
    Objects the test holds stay attached; they are reloaded on their next use.
    """

    def end_transaction(sender, **extra):
        db.session.rollback()

    request_tearing_down.connect(end_transaction)
    yield
    request_tearing_down.disconnect(end_transaction)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def agencies(app):
    auth_services.seed_agencies()
    db.session.commit()


@pytest.fixture
def create_user(app):
    """Factory: create_user(nip=..., roles=(...), **fields) -> committed User."""
    counter = {"serial": 100}

    def make(nip=None, password=PASSWORD, roles=("learner",), name=None, **fields):
        if nip is None:
            nip = next_nip()
        user = auth_services.create_user(nip=nip, name=name or f"Pegawai {nip[-3:]}",
                                         password=password, roles=roles, **fields)
        db.session.commit()
        return user

    def next_nip():
        # The next serial not taken yet: a fixture's seed_once() may have made the first few
        # users of this test without this factory counting them.
        while True:
            counter["serial"] += 1
            nip = f"199001012015011{counter['serial']:03d}"
            if db.session.scalar(select(User.id).where(User.nip == nip)) is None:
                return nip

    return make


@pytest.fixture
def courses(app):
    """The bundled courses imported into the database (a copy, so tests may edit files)."""

    def import_bundled():
        report = import_courses(BUNDLED_COURSES)
        assert report.ok, report.problems
        return report

    return seed_once("courses", import_bundled)


def seed_once(name, seed):
    """What seed() writes into the database, made once per test process.

    seed() returns plain data (no ORM objects: they would belong to the first test's session);
    the fixture loads what it needs afterwards. The first run is kept, per database and per
    what the database held before it, and later tests get the same changes written again as
    rows, which costs a fraction of seeding (importing the bundled courses reads, checks,
    renders and indexes seven courses: 0.2-0.3 s, against ~90 ms for the rows; issuing a
    certificate renders its PDF). Returns seed()'s result (a copy).

    Seeds stack. The database "holds" a chain of kept seeds: () right after it is emptied,
    ("courses",) after the courses were seeded or restored, ("courses", "verify.certificate")
    after another seed on top. A seed on top of a chain is kept as what it changed (rows
    inserted, updated and deleted, instance files written or removed) and restored onto the
    same chain only. Any other write, by a test or a fixture, anywhere in the process, breaks
    the chain (`_note_writes`). Without a chain a seed runs, except that the first seed of
    a chain of one can still be written into tables that are all empty (as before stacking).

    A seed must not depend on the test's arguments or on state outside the database and the
    instance folder (a counter in a factory, a file in tmp_path): a restore reproduces only
    those. Times it writes (`utcnow()`) are those of its first run."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.flush()  # pending objects are writes, which break the chain
    chain = HELD.get(url)
    if chain is not None and _instance_file_names() != _kept_file_names(url, chain):
        chain = None  # a file was written in the instance folder without a database write
    key = (url, (*chain, name)) if chain is not None else (url, (name,))
    kept = SEEDED.get(key)
    if kept is not None and chain is not None:
        kept.restore()
        _hold(url, key[1])
        return copy.deepcopy(kept.result)
    if kept is not None and kept.restore_into_empty_tables():
        return copy.deepcopy(kept.result)  # among other rows: the database holds no chain
    result = seed()
    db.session.commit()
    if chain is not None:
        SEEDED[key] = Seed.take(result, SEEDED.get((url, chain)))
        _hold(url, key[1])
    return result


def seed_objects(name, make):
    """seed_once() for a fixture that makes ORM objects: make() returns one object or a dict of
    them; their classes and ids are kept, and the objects are loaded again in this test."""

    def seed():
        made = make()
        if isinstance(made, dict):
            return {key: (type(thing), thing.id) for key, thing in made.items()}
        return type(made), made.id

    kept = seed_once(name, seed)
    if isinstance(kept, dict):
        return {key: db.session.get(model, ident) for key, (model, ident) in kept.items()}
    model, ident = kept
    return db.session.get(model, ident)


def seeds_first(request, *fixtures):
    """Set up those of these fixtures the test uses before the caller writes anything (a
    login records itself): a kept seed is written again only onto the chain it was kept on,
    and a write before it would make it run in full each time."""
    for fixture in fixtures:
        if fixture in request.fixturenames:
            request.getfixturevalue(fixture)


# What seed_once() keeps, per (database URL, chain of seed names).
SEEDED = {}
# Per database URL, the chain of kept seeds the database holds exactly (absent: unknown).
HELD = {}
# Statements that cannot change a row; anything else breaks the chain.
READS = ("SELECT", "PRAGMA", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT",
         "EXPLAIN")
# Files of the instance folder that belong to the app, not to what a seed wrote.
APP_FILES = ("jobs.db", STAMP_FILE, f".{STAMP_FILE}", USERS_STAMP.name, f".{USERS_STAMP.name}")


def is_write(statement):
    """Whether an SQL statement may change a row (anything but a read or a transaction step)."""
    return not statement.lstrip()[:9].upper().startswith(READS)


def _hold(url, chain):
    """The database at `url` holds exactly this chain of kept seeds; no other is known."""
    HELD.clear()
    HELD[url] = chain


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    """Forget what the databases hold once anything writes: seed_once() and the emptying of
    the tables say again what they hold after their own writes. After DDL, create_all() runs
    again for the next test."""
    if HELD and is_write(statement):
        HELD.clear()
    if SCHEMA_MADE and statement.lstrip()[:6].upper().startswith(("CREATE", "DROP", "ALTER")):
        SCHEMA_MADE.clear()


def _tables_with_rows(tables):
    """The names of those of these tables that have a row, in one statement (its text is kept:
    building ~80 SQLAlchemy selects took longer than running them)."""
    names = tuple(table.name for table in tables)
    if not names:
        return set()
    key = (db.engine.dialect.name, names)
    if key not in _WHICH_HAVE_ROWS:
        quote = db.engine.dialect.identifier_preparer.quote
        _WHICH_HAVE_ROWS[key] = text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in names))
    return set(db.session.scalars(_WHICH_HAVE_ROWS[key]))


_WHICH_HAVE_ROWS = {}  # (dialect, table names) -> the statement


def _instance_paths():
    root = Path(current_app.instance_path)
    if not root.is_dir():
        return []
    return [path for path in sorted(root.rglob("*"))
            if path.is_file() and not path.name.startswith(APP_FILES)]


def _instance_file_names():
    root = Path(current_app.instance_path)
    return {path.relative_to(root).as_posix() for path in _instance_paths()}


def _instance_files():
    """The files in the app's instance folder, as {relative path: (bytes, mode)}."""
    root = Path(current_app.instance_path)
    return {path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mode)
            for path in _instance_paths()}


def _kept_file_names(url, chain):
    kept = SEEDED.get((url, chain))
    return set(kept.all_files()) if kept is not None else set()


def _rows_of_every_table():
    """{Table: {primary key: row dict}} of every table with rows."""
    rows = {}
    for table in sorted_tables():
        found = db.session.execute(
            select(table).order_by(*table.primary_key.columns)).mappings().all()
        if found:
            keys = [column.name for column in table.primary_key.columns]
            rows[table] = {tuple(row[k] for k in keys): dict(row) for row in found}
    return rows


@dataclass
class Seed:
    """What a seed changed on top of the seed below it (None: the empty database), and its
    result. Rows are written again with Core statements, which pass the ORM's hooks by, so
    what those hooks did is in the rows already (the derived tables, the settings they changed)
    or done here (the settings stamp, the outline cache). SQLite's full-text tables follow their
    triggers; PostgreSQL's sequences only ever grew past the kept ids, since the rows came from
    the same database."""

    result: object
    below: "Seed | None"
    inserted: dict  # Table -> [row dict], in primary-key order
    updated: dict  # Table -> [row dict]
    deleted: dict  # Table -> [primary key]
    written: dict  # path in the instance folder -> (bytes, mode)
    removed: list  # paths in the instance folder

    @classmethod
    def take(cls, result, below):
        before, after = (below.all_rows() if below else {}), _rows_of_every_table()
        inserted, updated, deleted = {}, {}, {}
        for table in sorted_tables():
            old, new = before.get(table, {}), after.get(table, {})
            if added := [row for key, row in new.items() if key not in old]:
                inserted[table] = added
            if changed := [row for key, row in new.items() if key in old and old[key] != row]:
                updated[table] = changed
            if gone := [key for key in old if key not in new]:
                deleted[table] = gone
        old_files, new_files = (below.all_files() if below else {}), _instance_files()
        written = {path: file for path, file in new_files.items() if old_files.get(path) != file}
        removed = [path for path in old_files if path not in new_files]
        return cls(copy.deepcopy(result), below, inserted, updated, deleted, written, removed)

    def all_rows(self):
        rows = self.below.all_rows() if self.below else {}
        for table, keys in self.deleted.items():
            for key in keys:
                del rows[table][key]
        for table in (*self.inserted, *self.updated):
            names = [column.name for column in table.primary_key.columns]
            for row in (*self.inserted.get(table, ()), *self.updated.get(table, ())):
                rows.setdefault(table, {})[tuple(row[n] for n in names)] = row
        return rows

    def all_files(self):
        files = self.below.all_files() if self.below else {}
        for path in self.removed:
            files.pop(path, None)
        return {**files, **self.written}

    def restore_into_empty_tables(self):
        """The first seed of a chain, written where the chain is unknown: only into tables that
        are all empty and an instance folder without files, else not at all (False)."""
        if self.below is not None or _tables_with_rows(list(self.inserted)) or _instance_paths():
            return False
        self.restore()
        return True

    def restore(self):
        """Write what the seed changed onto the database as the seed below left it."""
        root = Path(current_app.instance_path)
        for path in self.removed:
            (root / path).unlink()
        for relative, (data, mode) in self.written.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
            (root / relative).chmod(mode)
        for table in reversed(sorted_tables()):
            for key in self.deleted.get(table, ()):
                db.session.execute(table.delete().where(*_is_key(table, key)))
        for table in sorted_tables():
            if table in self.inserted:
                db.session.execute(table.insert(), self.inserted[table])
        for table, rows in self.updated.items():
            names = [column.name for column in table.primary_key.columns]
            for row in rows:
                key = tuple(row[n] for n in names)
                db.session.execute(table.update().where(*_is_key(table, key)).values(row))
        db.session.commit()
        write_stamp()
        # The restored content version is the same token in every test that restores: an
        # outline an earlier test cached under it must not be taken for this one's.
        forget_outlines()


def _is_key(table, key):
    return [column == value for column, value in zip(table.primary_key.columns, key, strict=True)]


@pytest.fixture
def course_dir(tmp_path):
    """A writable copy of the bundled courses folder."""
    target = tmp_path / "courses"
    shutil.copytree(BUNDLED_COURSES, target)
    return target


def csrf_token(html):
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def submit(client, page_url, data, post_url=None, follow_redirects=True):
    """Open a page like a browser, take its CSRF token, post the form."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    payload = dict(data, csrf_token=csrf_token(page.get_data(as_text=True)))
    return client.post(post_url or page_url, data=payload, follow_redirects=follow_redirects)


@pytest.fixture
def login(client):
    def do_login(identifier, password=PASSWORD):
        response = submit(client, "/masuk", {"identifier": identifier, "password": password})
        assert response.status_code == 200
        return response

    return do_login


@contextmanager
def count_queries():
    """Count SQL statements run inside the block: `with count_queries() as n: ...; n()`.

    The worker's copies of logged-in users are dropped first (app/auth/user_cache.py), so the
    count always includes the request's user read: the same whichever users changed before,
    and the most a page costs."""
    forget_users()
    with seen_statements() as statements:
        yield lambda: len(statements)


@contextmanager
def seen_statements():
    """The SQL statements run inside the block, as a list filled while it runs."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def queries():
    return count_queries


def run_together(app, work, count, timeout=60):
    """Run work(index, barrier) in `count` threads, each in its own app context (own session
    and connection, like separate server workers); they wait on the barrier to start at once.
    Returns the results in thread order; re-raises the first error."""
    barrier = threading.Barrier(count, timeout=timeout)
    results, errors = [None] * count, []

    def target(index):
        try:
            with app.app_context():
                results[index] = work(index, barrier)
        except BaseException as error:  # handed to the test below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def mailbox(app):
    """A real SMTP server started for this test, with the app's email pointed at it (plain
    SMTP on 127.0.0.1); returns the Mailbox that collects what arrives."""
    from tests.mailbox import start_server

    controller, box = start_server()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="off",
                      SMTP_USER="", MAIL_FROM="kompeten@bkpsdm.palukota.go.id")
    yield box
    controller.stop()
