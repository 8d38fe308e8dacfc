"""The discussion tests' world: a published course with two modules, its trainer, two enrolled
learners, a learner who is not enrolled, another course's trainer and an admin; a logged-in
test client for each; and small helpers that drive the pages with their real forms."""

import io
import re
from dataclasses import dataclass, field
from html import unescape

from sqlalchemy import select

from app.authoring import services as authoring
from app.courses.services import enroll_learner
from app.discussion.models import DiscussionPost, DiscussionThread
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import PASSWORD, csrf_token
from tests.content.test_media import tiny_png

TRAINER, OTHER_TRAINER, ADMIN = "198609262015051001", "198001012005011010", "197503121998032004"
LEARNER, CLASSMATE, OUTSIDER = "199105052019031007", "198703152010012002", "199202022020121003"
COURSE = {"code": "TTE-101", "title": "Tanda Tangan Elektronik", "summary": "",
          "description": "Tentang TTE.", "jp": 4, "competency": "teknis", "mode": "e-learning",
          "provider": "BKPSDM", "certificate_policy": "manual"}
MODULE_ONE = {"title": "Dasar hukum TTE", "minutes": 20, "body": "UU ITE pasal 5."}
MODULE_TWO = {"title": "Sertifikat elektronik BSrE", "minutes": 20, "body": "BSrE menerbitkan."}


@dataclass
class World:
    app: object
    course: object
    modules: list
    users: dict
    clients: dict = field(default_factory=dict)

    @property
    def slug(self):
        return self.course.slug

    def base(self):
        return f"/kursus/{self.slug}/diskusi"

    def client(self, who):
        """A logged-in test client of this person (anonymous: `None`), made once."""
        if who not in self.clients:
            self.clients[who] = login_client(self.app, self.users[who].nip if who else None)
        return self.clients[who]

    def user(self, who):
        return db.session.get(type(self.users[who]), self.users[who].id)


def login_client(app, nip):
    client = app.test_client()
    if nip:
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
        response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, nip
    return client


def build_world(app, create_user):
    trainer = create_user(nip=TRAINER, roles=("trainer",), name="Rahmat Pengajar")
    other_trainer = create_user(nip=OTHER_TRAINER, roles=("trainer",), name="Lain Pengajar")
    admin = create_user(nip=ADMIN, roles=("admin",), name="Admin BKPSDM")
    learner = create_user(nip=LEARNER, name="Siti Rahmawati")
    classmate = create_user(nip=CLASSMATE, name="Budi Santoso")
    outsider = create_user(nip=OUTSIDER, name="Citra Lestari")
    course = authoring.create_course(COURSE, trainer)
    modules = [authoring.create_module(course, dict(MODULE_ONE), trainer),
               authoring.create_module(course, dict(MODULE_TWO), trainer)]
    authoring.set_course_status(course, "published", trainer)
    db.session.commit()
    enroll_learner(learner, course)
    enroll_learner(classmate, course)
    db.session.commit()
    users = {"trainer": trainer, "other_trainer": other_trainer, "admin": admin,
             "learner": learner, "classmate": classmate, "outsider": outsider}
    return World(app, course, modules, users)


def page_text(response):
    return unescape(response.get_data(as_text=True))


def token_from(client, url):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_token(page.get_data(as_text=True))


def post_form(client, page_url, data, post_url=None, files=None, follow_redirects=False):
    """Open the page, take its CSRF token, post the form (multipart when files are given:
    files is [(bytes, file name)] for the pictures field)."""
    payload = dict(data, csrf_token=token_from(client, page_url))
    if files is not None:
        payload["pictures"] = [(io.BytesIO(content), name) for content, name in files]
        return client.post(post_url or page_url, data=payload,
                           content_type="multipart/form-data",
                           follow_redirects=follow_redirects)
    return client.post(post_url or page_url, data=payload, follow_redirects=follow_redirects)


def ask(world, who="learner", title="Apakah TTE sah di pengadilan?",
        body="Mohon penjelasan dasar hukumnya.", module="", files=None):
    """Start a thread through the form; returns the thread."""
    client = world.client(who)
    response = post_form(client, f"{world.base()}/baru",
                         {"title": title, "body": body, "module": module}, files=files)
    assert response.status_code == 302, page_text(response)[:2000]
    thread_id = int(re.search(r"/diskusi/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(DiscussionThread, thread_id)


def reply(world, thread, who="trainer", body="Sah, lihat UU ITE pasal 5.", files=None):
    """Reply through the thread page's form; returns the new post."""
    client = world.client(who)
    url = f"{world.base()}/{thread.id}"
    response = post_form(client, url, {"body": body}, post_url=f"{url}/balas", files=files)
    assert response.status_code == 302, page_text(response)[:2000]
    post_id = int(re.search(r"tulisan=(\d+)", response.headers["Location"]).group(1))
    return db.session.get(DiscussionPost, post_id)


def thread_url(world, thread):
    return f"{world.base()}/{thread.id}"


def post_url(world, post, action):
    return f"{world.base()}/{post.thread_id}/tulisan/{post.id}/{action}"


def choose(world, who, url, value, page_url):
    """A moderation button (nilai=ya/tidak) as the thread page offers it."""
    client = world.client(who)
    return client.post(url, data={"nilai": value, "csrf_token": token_from(client, page_url)})


def notifications_of(user, kind):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)
        .order_by(Notification.id)).all()


def png():
    return tiny_png()
