"""What the other packages tell when something happens: one function per event, called by the
service that made it happen. Each notes its notifications (services.notify_later), written with
the rest of the transaction when it commits, or sends to a whole audience in one statement
(services.notify). Nothing here imports the packages that call it."""

from sqlalchemy import select

from app.auth.models import User
from app.notifications.services import link_to, notify, notify_later


def _percent(score):
    return f"{round(score * 100)}%" if score is not None else "–"


def certificate_issued(certificate):
    notify_later(certificate.user_id, "certificate_issued",
                 {"title": certificate.course_title, "number": certificate.number},
                 link_to("certificates.mine"))


def certificate_revoked(certificate):
    # The public reason's code: its words are looked up in the reader's language.
    notify_later(certificate.user_id, "certificate_revoked",
                 {"title": certificate.course_title, "number": certificate.number,
                  "reason": certificate.public_revocation_reason},
                 link_to("certificates.mine"))


def attempt_graded(attempt):
    """The attempt's grade is final (graded at submit, or its last essay graded by hand)."""
    notify_later(attempt.user_id, "attempt_graded",
                 {"quiz": attempt.quiz.title, "score": _percent(attempt.score)},
                 link_to("quizzes.result", attempt_id=attempt.id))


def essays_waiting(attempt):
    """A submitted attempt has essays to grade: the course's trainers hear of it."""
    course = attempt.quiz.course
    for owner in course.owners:
        notify_later(owner.id, "essays_waiting", {"quiz": attempt.quiz.title},
                     link_to("quizzes.pending_essays"))


def _session_params(session, **extra):
    return {"title": session.title, "starts_at": session.starts_at.isoformat(), **extra}


def workshop_registered(registration, waiting):
    session = registration.session
    notify_later(registration.user_id, "workshop_registered",
                 _session_params(session, waiting=waiting),
                 link_to("workshops.session_page", session_id=session.id))


def workshop_promoted(registration):
    session = registration.session
    notify_later(registration.user_id, "workshop_promoted", _session_params(session),
                 link_to("workshops.session_page", session_id=session.id))


def workshop_link_available(session, registered_ids):
    """The organizer added or changed the meeting link: everyone with a seat hears of it."""
    notify(registered_ids, "workshop_link", _session_params(session),
           link=link_to("workshops.session_page", session_id=session.id))


def course_published(course):
    """A course went live: every active learner (courses are open to every OPD)."""
    learners = select(User.id).where(User.is_learner.is_(True), User.active.is_(True))
    notify(learners, "course_published", {"title": course.title, "jp": course.jp},
           link=link_to("courses.course_detail", slug=course.slug))


def _admins():
    return select(User.id).where(User.is_admin.is_(True), User.active.is_(True))


def job_failed(job, label):
    notify(_admins(), "job_failed", {"label": str(label)},
           link=link_to("jobs.show", job_id=job.id))


def import_problems(what, count, link):
    """`what`: a key of kinds.IMPORTS ("content", "people")."""
    notify(_admins(), "import_problems", {"what": what, "count": count}, link=link)


# --- course discussions (app/discussion/services.py) --------------------------------------------

def _discussion_link(slug, thread_id, post_id):
    return (link_to("discussion.thread", slug=slug, thread_id=thread_id, tulisan=post_id)
            + f"#tulisan-{post_id}")


def discussion_question(trainer_ids, course, thread, post):
    """A learner asked in a course's discussion: the course's trainers hear of it."""
    params = {"course": course.title, "title": thread.title}
    for trainer_id in trainer_ids:
        notify_later(trainer_id, "discussion_question", params,
                     _discussion_link(course.slug, thread.id, post.id))


def discussion_answered(asker_id, course, thread, post, how):
    """The asker's question got a reply (how="reply") or a reply was marked as its answer
    (how="answer")."""
    notify_later(asker_id, "discussion_answered",
                 {"course": course.title, "title": thread.title, "how": how},
                 _discussion_link(course.slug, thread.id, post.id))


def discussion_post_hidden(author_id, course, thread, post):
    """A moderator hid a post: its author is told why."""
    notify_later(author_id, "discussion_post_hidden",
                 {"course": course.title, "title": thread.title, "reason": post.hidden_reason},
                 _discussion_link(course.slug, thread.id, post.id))
