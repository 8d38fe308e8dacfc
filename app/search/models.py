"""The search index: one row per searchable piece (a course description, a section of a
module, a workshop description), with its text and its stems.

The full-text part lives beside the table, per database, and is created with it (by
`db.create_all()` through the DDL events below, and by migration 0014):
- SQLite: an FTS5 table `search_fts` over the stems, kept in step by triggers;
- PostgreSQL: a generated `tsv` column (the `simple` configuration over the stems, the title
  weighted A) with a GIN index.
Neither is mapped: queries reach them through app/search/services.py. Both index *stems*
(app/search/text.py), so Indonesian affixes are handled before the database sees a word."""

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

COURSE, MODULE, WORKSHOP = "course", "module", "workshop"

# Names the full-text parts add, which the models do not describe (for schema comparisons).
FULL_TEXT_TABLES = ("search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize",
                    "search_fts_config", "search_fts_content")
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


SQLITE_FULL_TEXT = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, stems, "
    "content='search_document', content_rowid='id')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title_stems, stems) "
    "VALUES (new.id, new.title_stems, new.stems); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, stems) "
    "VALUES ('delete', old.id, old.title_stems, old.stems); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, stems) "
    "VALUES ('delete', old.id, old.title_stems, old.stems); "
    "INSERT INTO search_fts(rowid, title_stems, stems) "
    "VALUES (new.id, new.title_stems, new.stems); END",
)
SQLITE_DROP = ("DROP TRIGGER IF EXISTS search_document_au",
               "DROP TRIGGER IF EXISTS search_document_ad",
               "DROP TRIGGER IF EXISTS search_document_ai",
               "DROP TABLE IF EXISTS search_fts")
POSTGRES_FULL_TEXT = (
    "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title_stems, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(stems, '')), 'B')) STORED",
    "CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)",
)
POSTGRES_DROP = ("DROP INDEX IF EXISTS ix_search_document_tsv",
                 "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv")


def not_described_by_models(obj, name, type_, reflected, compare_to):
    """Alembic's include_object: the full-text parts are not in the models, on purpose."""
    if type_ == "table":
        return name not in FULL_TEXT_TABLES
    if type_ == "column":
        return not (name in FULL_TEXT_COLUMNS and obj.table.name == "search_document")
    if type_ == "index":
        return name != "ix_search_document_tsv"
    return True


def full_text_statements(dialect):
    return {"sqlite": SQLITE_FULL_TEXT, "postgresql": POSTGRES_FULL_TEXT}.get(dialect, ())


def drop_full_text_statements(dialect):
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect, ())


for _dialect in ("sqlite", "postgresql"):
    for _statement in full_text_statements(_dialect):
        event.listen(SearchDocument.__table__, "after_create",
                     DDL(_statement).execute_if(dialect=_dialect))
    for _statement in drop_full_text_statements(_dialect):
        event.listen(SearchDocument.__table__, "before_drop",
                     DDL(_statement).execute_if(dialect=_dialect))
