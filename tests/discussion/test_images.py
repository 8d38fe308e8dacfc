"""Pictures on posts: the same checks as course media (content, size, pixels), images only,
at most four; served to those who take part, privately, in a sandbox."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.discussion import services
from app.discussion.models import DiscussionImage, DiscussionPost
from app.extensions import db
from tests.discussion.helpers import ask, page_text, png, post_form, post_url, thread_url

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def big_picture(width=8000, height=6000):
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def status(client, url):
    """The status of a GET, its (file) response closed."""
    with client.get(url) as response:
        return response.status_code


def media_url(world, image):
    return f"{world.base()}/media/{image.id}/{image.name}"


def test_a_picture_is_stored_shown_and_served_to_those_who_take_part(world):
    thread = ask(world, files=[(png(), "Tangkapan Layar 1.PNG")])
    [image] = thread.opening.images
    assert (image.name, image.mime) == ("tangkapan-layar-1.png", "image/png")
    assert services.picture_path(image).read_bytes() == png()
    url = media_url(world, image)
    assert f'src="{url}"' in page_text(world.client("classmate").get(thread_url(world, thread)))
    with world.client("classmate").get(url) as response:
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.get_data() == png()
    assert status(world.client("outsider"), url) == 403
    assert status(world.client(None), url) == 302
    assert status(world.client("classmate"), f"{world.base()}/media/{image.id}/lain.png") == 404


def test_a_hidden_posts_picture_is_for_its_author_and_the_moderators(world):
    thread = ask(world, files=[(png(), "foto.png")])
    post_form(world.client("trainer"), post_url(world, thread.opening, "sembunyikan"),
              {"reason": "Foto KTP warga."})
    url = media_url(world, thread.opening.images[0])
    assert status(world.client("classmate"), url) == 404
    assert status(world.client("learner"), url) == 200
    assert status(world.client("trainer"), url) == 200


@pytest.mark.parametrize(("files", "message"), [
    ([(PDF, "panduan.pdf")],
     "Gambar panduan.pdf ditolak: hanya gambar PNG, JPEG, GIF atau WebP yang dapat "
     "dilampirkan."),
    ([(b"bukan gambar sama sekali", "foto.png")],
     "Gambar foto.png ditolak: isi berkas bukan gambar PNG, JPEG, GIF, WebP atau dokumen PDF "
     "(terdeteksi: tidak dikenal)."),
    ([(b"", "kosong.png")], "Gambar kosong.png ditolak: berkas kosong."),
    ([(png(), f"foto-{n}.png") for n in range(5)],
     "Paling banyak 4 gambar per tulisan; Anda memilih 5."),
    ([(big_picture(), "peta.png")],
     "Gambar peta.png ditolak: gambar terlalu besar: 8000 x 6000 piksel (48,0 megapiksel), "
     "maksimal 40,0 megapiksel."),
])
def test_a_bad_upload_is_refused_by_name_and_nothing_is_stored(world, files, message):
    response = post_form(world.client("learner"), f"{world.base()}/baru",
                         {"title": "Judul saya", "body": "Isi saya", "module": ""},
                         files=files)
    assert response.status_code == 200
    text = page_text(response)
    assert message in text, text
    assert 'value="Judul saya"' in text and "Isi saya</textarea>" in text
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 0
    assert db.session.scalar(select(func.count(DiscussionImage.id))) == 0


def test_a_reply_carries_pictures_too_and_refuses_bad_ones(world):
    thread = ask(world)
    url = thread_url(world, thread)
    refused = post_form(world.client("classmate"), url, {"body": "Lihat lampiran"},
                        post_url=f"{url}/balas", files=[(PDF, "a.pdf")])
    assert refused.status_code == 200
    assert "Gambar a.pdf ditolak" in page_text(refused)
    response = post_form(world.client("classmate"), url, {"body": "Lihat lampiran"},
                         post_url=f"{url}/balas", files=[(png(), "a.png"), (png(), "b.png")])
    assert response.status_code == 302
    assert [image.name for image in db.session.scalars(select(DiscussionImage)
                                                       .order_by(DiscussionImage.id))] == [
        "a.png", "b.png"]


def test_no_picture_chosen_is_fine(world):
    thread = ask(world, files=[(b"", "")])
    assert thread.opening.images == []
