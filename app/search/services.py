"""Searching the index: the ranked rows for a query, one statement whatever the data size.

Ranking: SQLite's bm25() with the title counting five times the text; PostgreSQL's ts_rank
over the weighted `tsv` (title A, text B). Every word of the query must appear (AND); the last
one may be the start of a stem, so "tandatang" finds "tandatangan" (a partial word with an
affix, such as "kependu", is not recognised: its stem is not the start of "duduk")."""

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import Float, column, func, literal_column, select, table
from sqlalchemy.orm import aliased

from app.courses.models import Course, Module
from app.extensions import db
from app.search.models import COURSE, MODULE, SEARCH_FULL_TEXT, WORKSHOP, SearchDocument
from app.search.text import query_stems, snippet
from app.workshops.models import WorkshopSession

MAX_QUERY_CHARS = 200
PAGE_SIZE = 20


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    context: str | None  # the course's title; None for a workshop
    url: str
    snippet: object  # Markup


def _sqlite_match(words):
    # Each stem quoted as an FTS5 string: nothing in it is syntax. Stems are letters and digits.
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " AND ".join(quoted)


def _postgres_query(words):
    return " & ".join(words[:-1] + [f"{words[-1]}:*"])


def ranked_ids(full_text, words, limit, *conditions):
    """(row id, rank) of an index's best matches for these stems, best first (a lower rank is
    better), narrowed by conditions on the index table. One statement, on either database;
    `full_text` is a models.FullText (the content index, or a course discussion's)."""
    document = full_text.table
    if db.engine.dialect.name == "sqlite":
        fts = table(full_text.fts, column("rowid"))
        rank = literal_column(f"bm25({full_text.fts}, 5.0, 1.0)", Float)
        query = (select(document.c.id, rank.label("rank"))
                 .select_from(document.join(fts, fts.c.rowid == document.c.id))
                 .where(literal_column(full_text.fts).op("MATCH")(_sqlite_match(words))))
    else:
        tsv, tsquery = literal_column(f"{full_text.name}.tsv"), func.to_tsquery(
            "simple", _postgres_query(words))
        rank = -func.ts_rank(tsv, tsquery)
        query = select(document.c.id, rank.label("rank")).where(tsv.op("@@")(tsquery))
    return query.where(*conditions).order_by(rank, document.c.id).limit(limit)


def _ranked_ids(words, course_id, limit):
    """(document id, rank) of the best matches in the content index, best first."""
    document = SearchDocument.__table__
    conditions = [document.c.course_id == course_id] if course_id is not None else []
    return ranked_ids(SEARCH_FULL_TEXT, words, limit, *conditions)


def search(query, course=None, limit=PAGE_SIZE):
    """The hits for a query (already checked by the form), at most `limit`."""
    words = query_stems(query)
    if not words:
        return []
    ranked = _ranked_ids(words, course.id if course is not None else None, limit).subquery()
    document = aliased(SearchDocument)
    rows = db.session.execute(
        select(document, Course.slug, Course.title, Module.slug, WorkshopSession.id)
        .join(ranked, ranked.c.id == document.id)
        .outerjoin(Course, Course.id == document.course_id)
        .outerjoin(Module, Module.id == document.module_id)
        .outerjoin(WorkshopSession, WorkshopSession.id == document.session_id)
        .order_by(ranked.c.rank, document.id)).all()
    return [_hit(row, words) for row in rows]


def _hit(row, words):
    document, course_slug, course_title, module_slug, session_id = row
    if document.kind == MODULE:
        url = url_for("courses.module_page", slug=course_slug, module_slug=module_slug,
                      _anchor=document.anchor or None)
        context = course_title
    elif document.kind == COURSE:
        url, context = url_for("courses.course_detail", slug=course_slug), course_title
    elif document.kind == WORKSHOP:
        url, context = url_for("workshops.session_page", session_id=session_id), None
    else:
        raise ValueError(f"unknown search document kind {document.kind!r}")
    return Hit(document.kind, document.title, context, url, snippet(document.body, words))
