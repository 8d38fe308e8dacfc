"""The search index: one row per searchable piece (a course description, a section of a
module, a workshop description), with its text and its stems.

The full-text part lives beside the table, per database, and is created with it (by
`db.create_all()` through the DDL events below, and by migration 0014):
- SQLite: an FTS5 table `search_fts` over the stems, kept in step by triggers;
- PostgreSQL: a generated `tsv` column (the `simple` configuration over the stems, the title
  weighted A) with a GIN index.
Neither is mapped: queries reach them through app/search/services.py. Both index *stems*
(app/search/text.py), so Indonesian affixes are handled before the database sees a word."""

from dataclasses import dataclass

from sqlalchemy import DDL, ForeignKey, Integer, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

COURSE, MODULE, WORKSHOP = "course", "module", "workshop"

# Names the full-text parts add, which the models do not describe (for schema comparisons):
# every index's FTS5 tables (SQLite), filled in by with_full_text() below.
FULL_TEXT_TABLES = []
FULL_TEXT_COLUMNS = ("tsv",)


class SearchDocument(db.Model):
    __tablename__ = "search_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("module.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_session.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    anchor: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    title_stems: Mapped[str] = mapped_column(Text, default="")
    stems: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class FullText:
    """The full-text part beside an index table whose rows have `id`, `title_stems` and
    `stems`: the content index (search_document) and the course discussions' index
    (discussion_search, app/discussion/models.py) are built and ranked the same way."""

    table: Table
    fts: str  # SQLite's FTS5 table

    @property
    def name(self):
        return self.table.name

    @property
    def sqlite_tables(self):
        return tuple(f"{self.fts}{suffix}" for suffix in (
            "", "_data", "_idx", "_docsize", "_config", "_content"))

    @property
    def tsv_index(self):
        return f"ix_{self.name}_tsv"

    def statements(self, dialect):
        table, fts = self.name, self.fts
        if dialect == "sqlite":
            return (
                f"CREATE VIRTUAL TABLE {fts} USING fts5(title_stems, stems, "
                f"content='{table}', content_rowid='id')",
                f"CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {fts}(rowid, title_stems, stems) "
                "VALUES (new.id, new.title_stems, new.stems); END",
                f"CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, title_stems, stems) "
                "VALUES ('delete', old.id, old.title_stems, old.stems); END",
                f"CREATE TRIGGER {table}_au AFTER UPDATE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, title_stems, stems) "
                "VALUES ('delete', old.id, old.title_stems, old.stems); "
                f"INSERT INTO {fts}(rowid, title_stems, stems) "
                "VALUES (new.id, new.title_stems, new.stems); END",
            )
        if dialect == "postgresql":
            return (
                f"ALTER TABLE {table} ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                "setweight(to_tsvector('simple', coalesce(title_stems, '')), 'A') || "
                "setweight(to_tsvector('simple', coalesce(stems, '')), 'B')) STORED",
                f"CREATE INDEX {self.tsv_index} ON {table} USING gin (tsv)",
            )
        return ()

    def drop_statements(self, dialect):
        table = self.name
        if dialect == "sqlite":
            return (f"DROP TRIGGER IF EXISTS {table}_au", f"DROP TRIGGER IF EXISTS {table}_ad",
                    f"DROP TRIGGER IF EXISTS {table}_ai", f"DROP TABLE IF EXISTS {self.fts}")
        if dialect == "postgresql":
            return (f"DROP INDEX IF EXISTS {self.tsv_index}",
                    f"ALTER TABLE {table} DROP COLUMN IF EXISTS tsv")
        return ()


FULL_TEXTS = {}  # table name -> FullText


def with_full_text(table, fts):
    """Give an index table its full-text part: created and dropped with the table by
    `db.create_all()`/`drop_all()` (migrations run the same statements themselves)."""
    full_text = FullText(table, fts)
    if table.name in FULL_TEXTS:
        return FULL_TEXTS[table.name]
    FULL_TEXTS[table.name] = full_text
    FULL_TEXT_TABLES.extend(full_text.sqlite_tables)
    for dialect in ("sqlite", "postgresql"):
        for statement in full_text.statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
        for statement in full_text.drop_statements(dialect):
            event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect))
    return full_text


def not_described_by_models(obj, name, type_, reflected, compare_to):
    """Alembic's include_object: the full-text parts are not in the models, on purpose."""
    if type_ == "table":
        return name not in FULL_TEXT_TABLES
    if type_ == "column":
        return not (name in FULL_TEXT_COLUMNS and obj.table.name in FULL_TEXTS)
    if type_ == "index":
        return name not in {full_text.tsv_index for full_text in FULL_TEXTS.values()}
    return True


SEARCH_FULL_TEXT = with_full_text(SearchDocument.__table__, "search_fts")


def full_text_statements(dialect):
    """The content index's full-text part (migration 0014)."""
    return SEARCH_FULL_TEXT.statements(dialect)


def drop_full_text_statements(dialect):
    return SEARCH_FULL_TEXT.drop_statements(dialect)
