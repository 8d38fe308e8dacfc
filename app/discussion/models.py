"""A course's discussion: threads (a question or a topic), their posts (the opening one and the
replies), pictures attached to posts, reports of posts, and the search index over them.

The opening text of a thread is a post like the replies (`is_opening`), so editing, hiding,
reporting, pictures, search and export treat every post alike. A post is never deleted: a
moderator hides it (with a reason the author is told), and deleting a user's account keeps
their posts with no author (`author_id` SET NULL): the thread stays whole, the name goes."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.courses.models import sql_in
from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.search.models import with_full_text

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
# What became of a report: the post was hidden, or a moderator found nothing wrong.
REPORT_OUTCOMES = {"hidden": _l("Disembunyikan"), "dismissed": _l("Diabaikan")}


class DiscussionThread(db.Model):
    __tablename__ = "discussion_thread"
    __table_args__ = (
        # The course's list: pinned first, then the latest activity.
        Index("ix_discussion_thread_course_activity", "course_id", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    # The module it is about ("Tanya tentang modul ini"); None: the course as a whole, or a
    # module deleted since.
    module_id: Mapped[int | None] = mapped_column(ForeignKey("module.id", ondelete="SET NULL"),
                                                  index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Asked by a learner (not by a trainer of the course or an admin): a question waiting for
    # its answer, counted on the trainers' workshop page until answered.
    is_question: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # A trainer of the course (or an admin) replied, or marked a reply as the answer.
    answered_at: Mapped[object | None] = mapped_column(UTCDateTime)
    pinned_at: Mapped[object | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[object | None] = mapped_column(UTCDateTime)

    course = relationship("Course")
    module = relationship("Module")
    author = relationship("User")
    # The thread's own text (its one opening post).
    opening = relationship(
        "DiscussionPost", uselist=False, viewonly=True,
        primaryjoin="and_(DiscussionPost.thread_id == DiscussionThread.id, "
                    "DiscussionPost.is_opening.is_(True))")

    @property
    def is_pinned(self):
        return self.pinned_at is not None

    @property
    def is_locked(self):
        return self.locked_at is not None

    @property
    def is_answered(self):
        return self.answered_at is not None


class DiscussionPost(db.Model):
    __tablename__ = "discussion_post"
    __table_args__ = (
        # One opening post and at most one answer per thread, whatever two requests do at once.
        Index("uq_discussion_post_opening", "thread_id", unique=True,
              sqlite_where=text("is_opening"), postgresql_where=text("is_opening")),
        Index("uq_discussion_post_answer", "thread_id", unique=True,
              sqlite_where=text("is_answer"), postgresql_where=text("is_answer")),
        Index("ix_discussion_post_thread_created", "thread_id", "created_at"),
        CheckConstraint("NOT (is_opening AND is_answer)", name="answer_is_a_reply"),
        CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)",
                        name="hidden_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_thread.id",
                                                      ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                  index=True)
    is_opening: Mapped[bool] = mapped_column(Boolean, default=False)
    is_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Markdown as typed, and its HTML made by app/content/markdown.render_post.
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[object | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[object | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    thread: Mapped[DiscussionThread] = relationship()
    author = relationship("User", foreign_keys=[author_id])
    images: Mapped[list["DiscussionImage"]] = relationship(
        back_populates="post", order_by="DiscussionImage.id", cascade="all, delete-orphan")

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def is_edited(self):
        return self.edited_at is not None


class DiscussionImage(db.Model):
    """A picture attached to a post, checked by content like course media; the bytes live in
    instance/uploads/discussion/<post id>/<image id>.<ext>."""

    __tablename__ = "discussion_image"
    __table_args__ = (
        CheckConstraint(sql_in("mime", sorted(IMAGE_TYPES)), name="mime"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"),
                                         index=True)
    # The name in its address (safe characters, the extension its content calls for).
    name: Mapped[str] = mapped_column(String(100))
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[DiscussionPost] = relationship(back_populates="images")

    @property
    def stored_name(self):
        return f"{self.id}.{IMAGE_TYPES[self.mime]}"


class DiscussionReport(db.Model):
    """Someone in the course thinks a post breaks the rules; open until a moderator hides the
    post or dismisses the report."""

    __tablename__ = "discussion_report"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id"),
        CheckConstraint(sql_in("outcome", REPORT_OUTCOMES), name="outcome_known"),
        CheckConstraint("(resolved_at IS NULL) = (outcome IS NULL)", name="resolved_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"),
                                         index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                    index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[object | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(16))

    post: Mapped[DiscussionPost] = relationship()
    reporter = relationship("User", foreign_keys=[reporter_id])


class DiscussionSearch(db.Model):
    """The search index of a course's discussion: one row per visible post (the opening post
    carries the thread's title words), kept current by app/discussion/index.py. Hidden posts,
    and every post of a thread whose opening post is hidden, have no row."""

    __tablename__ = "discussion_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"),
                                         unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_thread.id",
                                                      ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    title_stems: Mapped[str] = mapped_column(Text, default="")
    stems: Mapped[str] = mapped_column(Text, default="")


# SQLite: an FTS5 table beside it; PostgreSQL: a generated tsvector column (app/search/models).
DISCUSSION_FULL_TEXT = with_full_text(DiscussionSearch.__table__, "discussion_fts")
