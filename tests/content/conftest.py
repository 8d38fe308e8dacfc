"""Fixtures for the course-as-code tests (helpers live in tests/content/helpers.py)."""

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.content.helpers import CourseBuilder


@pytest.fixture
def builder(tmp_path):
    """Writes small course folders under tmp_path/src (see CourseBuilder.make)."""
    return CourseBuilder(tmp_path / "src")


@pytest.fixture
def write_statements(app):
    """Collect the INSERT/UPDATE/DELETE statements run while the fixture is active."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def run(app):
    """`run("import", path)`: a `flask content ...` command, as from the shell."""
    runner = app.test_cli_runner()

    def invoke(*args):
        db.session.commit()  # nothing of ours open while the command uses its own session
        result = runner.invoke(args=["content", *map(str, args)])
        db.session.expire_all()
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.output)
        return result

    return invoke
