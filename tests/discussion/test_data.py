"""The discussion as data: the course's export for its trainers and admins (every post, hidden
ones with their reason, spreadsheet-safe), a person's own posts, what is stored, and a deleted
account's posts kept without the name."""

import csv
import io

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.discussion import services
from app.discussion.models import DiscussionPost, DiscussionReport, DiscussionThread
from app.extensions import db
from tests.discussion.helpers import (
    ask,
    page_text,
    png,
    post_form,
    post_url,
    reply,
    thread_url,
)


def export_rows(world, who="trainer"):
    with world.client(who).get(f"{world.base()}/unduh.csv") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert 'filename="diskusi-tte-101.csv"' in response.headers["Content-Disposition"]
        text = response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_export_holds_every_post_for_the_courses_trainers_and_admins(world):
    thread = ask(world, module=world.modules[0].slug)
    answer = reply(world, thread, who="trainer", body="=HYPERLINK(\"http://x\")")
    rude = reply(world, thread, who="classmate", body="Tidak sopan.")
    post_form(world.client("trainer"), post_url(world, rude, "sembunyikan"),
              {"reason": "Kasar."})
    header, *rows = export_rows(world)
    assert header == ["Utas", "Judul utas", "Modul", "Tulisan", "Jenis", "Penulis", "NIP",
                      "Ditulis (WITA)", "Diubah (WITA)", "Jawaban", "Disembunyikan, alasan",
                      "Isi"]
    assert [row[3] for row in rows] == [str(thread.opening.id), str(answer.id), str(rude.id)]
    assert rows[0][1:3] == ["Apakah TTE sah di pengadilan?", world.modules[0].title]
    assert rows[0][4:7] == ["Pertanyaan", "Siti Rahmawati", "19910505 201903 1 007"]
    assert rows[1][11] == "'=HYPERLINK(\"http://x\")"  # never a formula
    assert rows[2][10:] == ["Kasar.", "Tidak sopan."]
    assert len(export_rows(world, "admin")) == 4
    for who in ("learner", "other_trainer", "outsider"):
        assert world.client(who).get(f"{world.base()}/unduh.csv").status_code == 403


def test_a_persons_posts_and_what_is_stored(world):
    thread = ask(world, files=[(png(), "a.png")])
    reply(world, thread, who="learner", body="Tambahan saya.")
    reply(world, thread, who="classmate", body="Punya orang lain.")
    mine = services.posts_of(world.user("learner"))
    assert [post.body_source for post in mine] == ["Mohon penjelasan dasar hukumnya.",
                                                   "Tambahan saya."]
    assert mine[0].thread.course.code == "TTE-101"
    counts = services.stored_counts()
    assert (counts["threads"], counts["posts"], counts["images"]) == (1, 3, 1)
    assert counts["image_bytes"] == len(png())


@pytest.mark.parametrize("who", ["learner", "classmate"])
def test_deleting_an_account_keeps_the_thread_without_the_name(world, who):
    thread = ask(world)
    reply(world, thread, who="classmate", body="Balasan yang tetap ada.")
    reported = reply(world, thread, who="trainer", body="Ini jawabannya.")
    post_form(world.client("classmate"), thread_url(world, thread), {"reason": "Uji"},
              post_url=post_url(world, reported, "lapor"))
    name = world.users[who].name
    db.session.delete(db.session.get(User, world.users[who].id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(DiscussionPost.id))) == 3
    page = page_text(world.client("trainer").get(thread_url(world, thread)))
    assert name not in page and "Akun dihapus" in page
    assert "Balasan yang tetap ada." in page and "Mohon penjelasan" in page
    assert name not in page_text(world.client("trainer").get(world.base()))
    thread = db.session.get(DiscussionThread, thread.id)
    if who == "learner":
        assert thread.author_id is None
    else:
        assert db.session.scalar(select(DiscussionReport.reporter_id)) is None
        assert "Uji" in page_text(world.client("trainer").get(f"{world.base()}/laporan"))
    assert [row[5] for row in export_rows(world)].count("Akun dihapus") == 1
    assert world.client("trainer").get(f"{world.base()}?q=jawabannya").status_code == 200


def test_the_course_gradebook_and_its_downloads_count_each_learners_posts(world):
    thread = ask(world)  # the learner's question: one post
    reply(world, thread, who="learner", body="Tambahan saya.")
    rude = reply(world, thread, who="learner", body="Tidak sopan.")
    post_form(world.client("trainer"), post_url(world, rude, "sembunyikan"),
              {"reason": "Kasar."})
    url = f"/pengajar/kursus/{world.slug}/nilai"
    with world.client("trainer").get(url, query_string={"format": "csv-plain"}) as response:
        assert response.status_code == 200
        text = response.get_data(as_text=True).lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    column = header.index("Tulisan di diskusi")
    learner = world.user("learner")
    row = next(row for row in rows if row[header.index("Nama")] == learner.name)
    assert row[column] == "2"  # the hidden one is not counted
    assert "Tulisan di diskusi" in page_text(world.client("trainer").get(url))
