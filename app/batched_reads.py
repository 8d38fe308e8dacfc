"""A page's small reads sent to the database as one statement.

The course page asks three things of the learner, each from another package: the progress
(courses), the quiz attempts (quizzes) and the certificate (certificates). Each was a statement
of its own: on PostgreSQL a round trip and the server's work per statement, the largest part of
what made that page slower there than on SQLite (docs/performance.md, 7 December).

`prefetch(reads)` runs several reads — each a (statement, parameters) pair, the statement built
once by its service — as one UNION ALL and keeps the rows for the rest of the request.
`rows(statement, parameters)`, which the services use for those reads, answers from what was
prefetched with exactly that statement and those parameters (once), or runs the statement
itself; `read_together(reads)` does the same for several reads at once, running those not
prefetched as one statement. So a service works the same whether or not its page prefetched,
and a page can only ever receive the rows of the read it asked for. The dashboard sends its
five (enrolments, modules read, the year's JP, workshop places, certificates) the same way.

Each read keeps its own columns in the combined statement (the other reads' positions are typed
NULLs, so PostgreSQL accepts the UNION and SQLAlchemy converts each value with its own column's
type); a leading constant says which read a row belongs to. A read must not have an ORDER BY (a
branch of a UNION cannot): its service sorts in Python.
"""

from collections import namedtuple
from functools import lru_cache

from flask import has_request_context, request
from sqlalchemy import Integer, cast, literal_column, null, union_all

from app.extensions import db

# In the request's WSGI environment, not in `g`: an app context (and its `g`) can outlive a
# request (the tests keep one around many requests); the environment never does.
_KEPT = "kompeten.prefetched_reads"


def rows(statement, parameters):
    """The rows of the read (a list of rows with the statement's column names)."""
    return _take(_store(), (statement, parameters))


def read_together(reads):
    """The rows of each read, in order: those not prefetched run as one statement."""
    kept = _store()
    _run_combined(reads, kept)
    return [_take(kept, read) for read in reads]


def prefetch(reads):
    """Run these reads (None entries are skipped) as one statement and keep their rows for
    `rows()` and `read_together()` in this request. Reads already kept are not read again; one
    read alone is left for `rows()` to run."""
    if has_request_context():
        _run_combined([read for read in reads if read is not None], _store())


def _store():
    # Outside a request nothing is kept beyond the call that reads.
    return request.environ.setdefault(_KEPT, {}) if has_request_context() else {}


def _take(kept, read):
    found = kept.pop(_key(*read), None)
    if found is not None:
        return found
    return db.session.connection().execute(*read).all()


def _run_combined(reads, kept):
    pending = [read for read in reads if _key(*read) not in kept]
    if len(pending) < 2:
        return  # nothing to save: _take runs it when asked
    statements = tuple(statement for statement, _parameters in pending)
    combined, shapes = _combined(statements)
    found = [[] for _read in pending]
    for row in db.session.connection().execute(combined, _merged_parameters(pending)):
        row_type, slots = shapes[row[0]]
        found[row[0]].append(row_type._make(row[slot] for slot in slots))
    for (statement, parameters), read_rows in zip(pending, found, strict=True):
        kept[_key(statement, parameters)] = read_rows


def _key(statement, parameters):
    # Statements are built once by their services (functools.cache), so their identity names
    # the read; list parameters (expanding IN) become tuples to be hashable.
    return statement, tuple(sorted(
        (name, tuple(value) if isinstance(value, list) else value)
        for name, value in parameters.items()))


def _merged_parameters(reads):
    """One parameter dict for the combined statement. Reads share names (user_id) only with
    the same value: anything else would silently answer one read with another's rows."""
    merged = {}
    for _statement, parameters in reads:
        for name, value in parameters.items():
            if name in merged and merged[name] != value:
                raise ValueError(f"reads disagree on the parameter {name!r}")
            merged[name] = value
    return merged


@lru_cache(maxsize=32)  # a few combinations per page kind; each keeps SQLAlchemy's cache key
def _combined(statements):
    """The UNION ALL of the statements, and one row type per statement."""
    columns = [list(statement.selected_columns) for statement in statements]
    branches = []
    for index, statement in enumerate(statements):
        if statement._order_by_clauses:  # no public accessor
            raise ValueError("a prefetched read cannot have ORDER BY")
        selected = [literal_column(str(index), Integer).label("read")]
        for other, other_columns in enumerate(columns):
            for position, column in enumerate(other_columns):
                value = column if other == index else cast(null(), column.type)
                selected.append(value.label(f"r{other}_{position}"))
        branches.append(statement.with_only_columns(*selected, maintain_column_froms=True))
    shapes, start = [], 1  # position 0 is the read's number
    for index, read_columns in enumerate(columns):
        row_type = namedtuple(f"Read{index}", [column.key for column in read_columns])
        shapes.append((row_type, range(start, start + len(read_columns))))
        start += len(read_columns)
    return union_all(*branches), tuple(shapes)
