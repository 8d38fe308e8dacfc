"""The moderators (the course's trainers and admins): answers shown first, pins, locks, reports
in one list, hiding with a reason the author is told, all audited; learners can only report;
the workshop page counts what waits."""

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.discussion.models import DiscussionPost, DiscussionReport
from app.extensions import db
from app.notifications.kinds import notification_text
from tests.discussion.helpers import (
    ask,
    choose,
    notifications_of,
    page_text,
    post_form,
    post_url,
    reply,
    thread_url,
)


def audit(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


@pytest.fixture
def thread(world):
    return ask(world)


# --- answers ------------------------------------------------------------------------------------

def test_a_marked_answer_shows_first_and_tells_the_asker(world, thread):
    early = reply(world, thread, who="classmate", body="Balasan pertama yang kurang tepat.")
    answer = reply(world, thread, who="classmate", body="Pasal 5 UU ITE: sah.")
    page_url = thread_url(world, thread)
    response = choose(world, "trainer", post_url(world, answer, "jawaban"), "ya", page_url)
    assert response.status_code == 302
    page = page_text(world.client("learner").get(page_url))
    assert (page.index("Mohon penjelasan") < page.index("Pasal 5 UU ITE")
            < page.index("Balasan pertama"))
    assert f'<article class="post post-answer" id="tulisan-{answer.id}"' in page
    told = notifications_of(world.user("learner"), "discussion_answered")[-1]
    assert notification_text(told) == ("Pertanyaan Anda \u201cApakah TTE sah di pengadilan?"
                                       "\u201d di Tanda Tangan Elektronik sudah punya jawaban.")
    [event] = audit("discussion.answer")
    assert (event.actor_id, event.object_id) == (world.users["trainer"].id, str(answer.id))
    # Another reply takes the mark: one answer per thread.
    choose(world, "admin", post_url(world, early, "jawaban"), "ya", page_url)
    db.session.expire_all()
    assert [p.id for p in db.session.scalars(select(DiscussionPost).where(
        DiscussionPost.is_answer.is_(True)))] == [early.id]
    # And the mark can be taken away.
    choose(world, "admin", post_url(world, early, "jawaban"), "tidak", page_url)
    db.session.expire_all()
    assert not early.is_answer and audit("discussion.answer_removed")


def test_the_question_itself_cannot_be_its_answer(world, thread):
    response = choose(world, "trainer", post_url(world, thread.opening, "jawaban"), "ya",
                      thread_url(world, thread))
    assert response.status_code == 302
    page = page_text(world.client("trainer").get(response.headers["Location"]))
    assert "Pertanyaan pembuka tidak dapat menjadi jawabannya sendiri" in page
    db.session.expire_all()
    assert not thread.opening.is_answer


def test_a_nonsense_choice_is_a_bad_request(world, thread):
    answer = reply(world, thread, who="classmate")
    response = choose(world, "trainer", post_url(world, answer, "jawaban"), "mungkin",
                      thread_url(world, thread))
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["learner", "classmate"])
def test_learners_do_not_moderate(world, thread, who):
    answer = reply(world, thread, who="classmate")
    page_url = thread_url(world, thread)
    for url in (post_url(world, answer, "jawaban"), f"{page_url}/sematkan",
                f"{page_url}/kunci"):
        assert choose(world, who, url, "ya", page_url).status_code == 403
    assert world.client(who).get(post_url(world, answer, "sembunyikan")).status_code == 403
    assert "Tandai sebagai jawaban" not in page_text(world.client(who).get(page_url))
    db.session.expire_all()
    assert not answer.is_answer and not thread.is_pinned and not thread.is_locked


# --- pins and locks -----------------------------------------------------------------------------

def test_a_pinned_thread_leads_the_list(world, thread):
    ask(world, who="classmate", title="Pertanyaan yang lebih baru")
    listing = page_text(world.client("learner").get(world.base()))
    assert listing.index("Pertanyaan yang lebih baru") < listing.index("Apakah TTE sah")
    choose(world, "trainer", f"{thread_url(world, thread)}/sematkan", "ya",
           thread_url(world, thread))
    listing = page_text(world.client("learner").get(world.base()))
    assert listing.index("Apakah TTE sah") < listing.index("Pertanyaan yang lebih baru")
    assert "Disematkan" in listing
    assert [event.object_id for event in audit("discussion.pin")] == [str(thread.id)]


def test_a_locked_thread_takes_no_reply(world, thread):
    url = thread_url(world, thread)
    choose(world, "trainer", f"{url}/kunci", "ya", url)
    page = page_text(world.client("classmate").get(url))
    assert "Utas ini dikunci pengajar: tidak dapat dibalas lagi." in page
    assert f'action="{url}/balas"' not in page
    response = post_form(world.client("classmate"), url, {"body": "Masih boleh?"},
                         post_url=f"{url}/balas", follow_redirects=True)
    assert "Utas ini dikunci pengajar: tidak dapat dibalas lagi." in page_text(response)
    assert db.session.scalar(select(DiscussionPost.id).where(
        DiscussionPost.body_source == "Masih boleh?")) is None
    assert audit("discussion.lock")
    # Unlocked, it takes replies again.
    choose(world, "trainer", f"{url}/kunci", "tidak", url)
    reply(world, thread, who="classmate", body="Sekarang boleh.")
    assert audit("discussion.unlock")


# --- reports and hiding ---------------------------------------------------------------------------

def report(world, who, post, reason="Kasar dan menyerang pribadi."):
    return post_form(world.client(who), f"{world.base()}/{post.thread_id}", {"reason": reason},
                     post_url=post_url(world, post, "lapor"), follow_redirects=True)


def test_reported_posts_wait_in_one_list_and_hiding_tells_the_author_why(world, thread):
    rude = reply(world, thread, who="classmate", body="Pertanyaan bodoh.")
    response = report(world, "learner", rude)
    assert "Terima kasih. Laporan Anda diteruskan kepada pengajar kursus." in page_text(response)
    assert "Anda sudah melaporkan tulisan ini" in page_text(report(world, "learner", rude))
    [event] = audit("discussion.report")
    assert event.details["reason"] == "Kasar dan menyerang pribadi."

    listing = page_text(world.client("trainer").get(f"{world.base()}/laporan"))
    assert "Pertanyaan bodoh." in listing and "Kasar dan menyerang pribadi." in listing
    assert "Siti Rahmawati" in listing  # who reported
    assert world.client("learner").get(f"{world.base()}/laporan").status_code == 403

    hide_url = post_url(world, rude, "sembunyikan") + "?kembali=laporan"
    empty = post_form(world.client("trainer"), hide_url, {"reason": " ", "kembali": "laporan"})
    assert "Tulis alasannya." in page_text(empty)
    response = post_form(world.client("trainer"), hide_url,
                         {"reason": "Tidak sopan kepada sesama peserta.", "kembali": "laporan"})
    assert response.headers["Location"].endswith("/laporan")

    db.session.expire_all()
    assert rude.is_hidden and rude.hidden_reason == "Tidak sopan kepada sesama peserta."
    assert db.session.scalars(select(DiscussionReport.outcome)).all() == ["hidden"]
    [told] = notifications_of(world.user("classmate"), "discussion_post_hidden")
    assert notification_text(told) == (
        "Tulisan Anda di diskusi \u201cApakah TTE sah di pengadilan?\u201d (Tanda Tangan "
        "Elektronik) disembunyikan oleh moderator. Alasan: Tidak sopan kepada sesama peserta.")
    [event] = audit("discussion.hide")
    assert event.details["reason"] == "Tidak sopan kepada sesama peserta."
    assert "Tidak ada laporan yang menunggu." in page_text(
        world.client("trainer").get(f"{world.base()}/laporan"))

    url = thread_url(world, thread)
    learner_page = page_text(world.client("learner").get(url))
    assert "Tulisan ini disembunyikan oleh moderator." in learner_page
    assert "Pertanyaan bodoh." not in learner_page
    assert "Tidak sopan kepada sesama peserta." not in learner_page
    author_page = page_text(world.client("classmate").get(url))
    assert "Alasan: Tidak sopan kepada sesama peserta." in author_page
    trainer_page = page_text(world.client("trainer").get(url))
    assert "Pertanyaan bodoh." in trainer_page and "Tampilkan lagi" in trainer_page

    # Shown again (audited), the post reads as before.
    post_form(world.client("trainer"), url, {}, post_url=post_url(world, rude, "tampilkan"))
    assert "Pertanyaan bodoh." in page_text(world.client("learner").get(url))
    assert audit("discussion.unhide")


def test_a_report_found_harmless_is_dismissed(world, thread):
    post = reply(world, thread, who="classmate", body="Menurut saya tidak sah.")
    report(world, "learner", post, "Menyesatkan")
    response = post_form(world.client("admin"), f"{world.base()}/laporan", {},
                         post_url=post_url(world, post, "abaikan-laporan"),
                         follow_redirects=True)
    assert "Laporan diabaikan; tulisannya tetap tampil." in page_text(response)
    db.session.expire_all()
    assert not post.is_hidden
    assert db.session.scalars(select(DiscussionReport.outcome)).all() == ["dismissed"]
    assert audit("discussion.reports_dismissed")
    # Nothing left to dismiss: said so.
    again = post_form(world.client("admin"), f"{world.base()}/laporan", {},
                      post_url=post_url(world, post, "abaikan-laporan"), follow_redirects=True)
    assert "Tidak ada laporan terbuka untuk tulisan ini." in page_text(again)
    # Reported again after a dismissal: the report is open again.
    report(world, "learner", post, "Masih menyesatkan")
    assert "Masih menyesatkan" in page_text(world.client("trainer").get(f"{world.base()}/laporan"))


def test_your_own_post_cannot_be_reported(world, thread):
    response = report(world, "learner", thread.opening)
    assert "Tulisan Anda sendiri tidak dapat dilaporkan." in page_text(response)
    assert db.session.scalar(select(DiscussionReport.id)) is None
    empty = post_form(world.client("classmate"), post_url(world, thread.opening, "lapor"),
                      {"reason": ""})
    assert empty.status_code == 200 and "Tulis alasannya." in page_text(empty)
    assert db.session.scalar(select(DiscussionReport.id)) is None


def test_a_hidden_question_hides_its_thread_from_learners(world, thread):
    reply(world, thread, who="classmate", body="Balasan di utas itu.")
    post_form(world.client("trainer"), post_url(world, thread.opening, "sembunyikan"),
              {"reason": "Data pribadi warga."})
    listing = page_text(world.client("classmate").get(world.base()))
    assert "Apakah TTE sah" not in listing
    page = page_text(world.client("classmate").get(thread_url(world, thread)))
    assert "Utas ini disembunyikan oleh moderator." in page
    assert "Balasan di utas itu." not in page and "Apakah TTE sah" not in page
    assert "Alasan: Data pribadi warga." in page_text(
        world.client("learner").get(thread_url(world, thread)))
    trainer_listing = page_text(world.client("trainer").get(world.base()))
    assert "Apakah TTE sah" in trainer_listing and "Disembunyikan" in trainer_listing
    # Nobody replies to it.
    response = post_form(world.client("classmate"), world.base(), {"body": "Halo?"},
                         post_url=f"{thread_url(world, thread)}/balas", follow_redirects=True)
    assert "Pertanyaan ini disembunyikan moderator: tidak dapat dibalas." in page_text(response)


def test_a_hidden_answer_is_no_longer_the_answer(world, thread):
    answer = reply(world, thread, who="classmate")
    url = thread_url(world, thread)
    choose(world, "trainer", post_url(world, answer, "jawaban"), "ya", url)
    post_form(world.client("trainer"), post_url(world, answer, "sembunyikan"),
              {"reason": "Keliru."})
    db.session.expire_all()
    assert answer.is_hidden and not answer.is_answer


# --- the workshop page ----------------------------------------------------------------------------

def test_the_workshop_page_counts_what_waits_for_the_courses_trainers(world):
    first = ask(world, title="Pertanyaan satu")
    ask(world, title="Pertanyaan dua", who="classmate")
    ask(world, who="trainer", title="Pengumuman: jadwal tatap muka")  # not a question
    page = page_text(world.client("trainer").get("/pengajar/"))
    assert "2 pertanyaan belum terjawab" in page
    assert f'href="/kursus/{world.slug}/diskusi?status=belum-terjawab"' in page
    rude = reply(world, first, who="classmate", body="Tidak sopan.")
    report(world, "learner", rude)
    reply(world, first, who="trainer", body="Jawabannya ada di modul 1.")
    page = page_text(world.client("trainer").get("/pengajar/"))
    assert "1 pertanyaan belum terjawab" in page and "1 tulisan dilaporkan" in page
    assert "1 pertanyaan belum terjawab" in page_text(world.client("admin").get("/pengajar/"))
    assert "Diskusi kursus" not in page_text(world.client("other_trainer").get("/pengajar/"))
    waiting = page_text(world.client("trainer").get(f"{world.base()}?status=belum-terjawab"))
    assert "Pertanyaan dua" in waiting and "Pertanyaan satu" not in waiting
    assert "Pengumuman: jadwal" not in waiting
