"""Keeping the discussion's search index current (the discussion_search table and its full-text
part, app/discussion/models.py).

Posts and threads change through the ORM session, so app/derived.py notes which ones changed
and, just before the transaction commits, their rows are rewritten in the same transaction: a
new post, an edit, a hidden or shown-again post, a new title. A rollback takes the index
changes back with the posts. Rows exist only for visible posts of threads whose opening post
is visible, so a search never shows what a moderator hid."""

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.orm import aliased

from app.derived import Derived, register
from app.discussion.models import DiscussionPost, DiscussionSearch, DiscussionThread
from app.search.text import plain_text, stems

WATCHED = {
    DiscussionThread: ("title", "course_id"),
    DiscussionPost: ("body_html", "hidden_at", "thread_id"),
}
THREAD, POST = "thread", "post"


def _row(post_id, thread_id, course_id, title, body_html, is_opening):
    # Only the opening post carries the title's words: a search for a title word finds the
    # question once, not each of its replies.
    text = plain_text(body_html)
    return {"post_id": post_id, "thread_id": thread_id, "course_id": course_id,
            "title": title[:500], "body": text,
            "title_stems": stems(title) if is_opening else "", "stems": stems(text)}


def _visible_posts(*conditions):
    """(post id, thread id, course id, title, html, is_opening) of visible posts in threads
    whose opening post is visible."""
    opening = aliased(DiscussionPost)
    return (select(DiscussionPost.id, DiscussionThread.id, DiscussionThread.course_id,
                   DiscussionThread.title, DiscussionPost.body_html, DiscussionPost.is_opening)
            .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
            .join(opening, and_(opening.thread_id == DiscussionThread.id,
                                opening.is_opening.is_(True)))
            .where(DiscussionPost.hidden_at.is_(None), opening.hidden_at.is_(None), *conditions)
            .order_by(DiscussionPost.id))


def reindex_thread(connection, thread_id):
    connection.execute(delete(DiscussionSearch).where(DiscussionSearch.thread_id == thread_id))
    return _insert(connection, _visible_posts(DiscussionThread.id == thread_id))


def reindex_post(connection, post_id):
    connection.execute(delete(DiscussionSearch).where(DiscussionSearch.post_id == post_id))
    return _insert(connection, _visible_posts(DiscussionPost.id == post_id))


def _insert(connection, query):
    rows = [_row(*found) for found in connection.execute(query)]
    if rows:
        connection.execute(insert(DiscussionSearch), rows)
    return len(rows)


def rebuild(connection):
    """Every row again, from the posts. Returns the number of rows."""
    connection.execute(delete(DiscussionSearch))
    return _insert(connection, _visible_posts())


def _touched(obj):
    """A thread's title, or whether its opening post shows, concerns all its rows; any other
    post only its own."""
    if isinstance(obj, DiscussionThread):
        return [(THREAD, obj.id)]
    return [(THREAD, obj.thread_id) if obj.is_opening else (POST, obj.id)]


def _write(connection, keys):
    for kind, key in keys:
        if kind == THREAD:
            reindex_thread(connection, key)
        else:
            reindex_post(connection, key)


DISCUSSION_INDEX = register(Derived("discussion_search_pending", WATCHED, _touched, _write))
