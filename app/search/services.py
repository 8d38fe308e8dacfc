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
from app.search.models import COURSE, MODULE, WORKSHOP, SearchDocument
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


def _ranked_ids(words, course_id, limit):
    """(document id, rank) of the best matches, best first (a lower rank is better)."""
    document = SearchDocument.__table__
    if db.engine.dialect.name == "sqlite":
        fts = table("search_fts", column("rowid"))
        rank = literal_column("bm25(search_fts, 5.0, 1.0)", Float)
        query = (select(document.c.id, rank.label("rank"))
                 .select_from(document.join(fts, fts.c.rowid == document.c.id))
                 .where(literal_column("search_fts").op("MATCH")(_sqlite_match(words))))
    else:
        tsv, tsquery = literal_column("search_document.tsv"), func.to_tsquery(
            "simple", _postgres_query(words))
        rank = -func.ts_rank(tsv, tsquery)
        query = select(document.c.id, rank.label("rank")).where(tsv.op("@@")(tsquery))
    if course_id is not None:
        query = query.where(document.c.course_id == course_id)
    return query.order_by(rank, document.c.id).limit(limit)


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
    else:
        assert document.kind == WORKSHOP
        url, context = url_for("workshops.session_page", session_id=session_id), None
    return Hit(document.kind, document.title, context, url, snippet(document.body, words))
