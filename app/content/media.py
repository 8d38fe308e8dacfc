"""Images and PDFs that belong to a course, from its folder's `media/` or uploaded in the browser.

Markdown refers to them as `media/<name>` (relative to the course folder, so a course exported
as files reads the same). Each is checked by content (not by name) and size, recorded as a
CourseFile row and stored in `instance/uploads/<course id>/<name>`; the reader serves it from
`/media/<slug>/<name>`.
"""

import hashlib
import io
import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.content.frontmatter import Problem
from app.content.paths import UnsafeFile, link_message, read_inside
from app.courses.models import CourseFile
from app.extensions import db
from app.settings import get_setting
from app.storage import write_private

MEDIA_FOLDER = "media"
FILE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
              "image/webp": "webp", "application/pdf": "pdf"}
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF",
                  "image/webp": "WEBP"}
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(png|jpe?g|gif|webp|pdf)$")
IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")
# A plain link (not an image) to a file of the course: [Panduan](media/panduan.pdf)
MEDIA_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?(media/[^)\s>]+)")


def media_url(slug):
    return f"/media/{slug}/"


def uploads_root():
    return Path(current_app.instance_path) / "uploads"


def stored_path(course_file):
    return uploads_root() / str(course_file.course_id) / course_file.name


def upload_limit_bytes():
    return int(get_setting("upload.max_kb") or 0) * 1024


def safe_file_name(original):
    """A name Markdown and URLs can carry: lower case, no spaces or accents, known extension.

    'Diagram Alur SPBE.PNG' -> 'diagram-alur-spbe.png'; None when nothing usable is left.
    """
    stem, _dot, extension = Path(original or "").name.lower().rpartition(".")
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-_")[:80]
    name = f"{stem}.{extension}"
    return name if stem and SAFE_NAME.match(name) else None


def extension_for(mime, name):
    """The file extension the content type calls for (keeping .jpeg if the name used it)."""
    extension = FILE_TYPES[mime]
    if extension == "jpg" and name.lower().endswith(".jpeg"):
        return "jpeg"
    return extension


def guess_mime(data):
    """The media type the content says (its first 8 KB), or None."""
    import filetype  # loaded on first use: keeps web workers light (docs/operations.md)

    return filetype.guess_mime(data[:8192])


def inspect_bytes(data, name=None):
    """(mime, None) for an acceptable image or PDF, else (None, message naming what is wrong).

    With a name, its extension must match the content, so what a file is called is what it is
    served as."""
    limit = upload_limit_bytes()
    if not data:
        return None, _("berkas kosong")
    if len(data) > limit:
        return None, _("berkas terlalu besar: %(kb)d KB, maksimal %(max)d KB",
                       kb=len(data) // 1024, max=limit // 1024)
    kind = guess_mime(data)
    if kind not in FILE_TYPES:
        return None, _("isi berkas bukan gambar PNG, JPEG, GIF, WebP atau dokumen PDF "
                       "(terdeteksi: %(kind)s)", kind=kind or _("tidak dikenal"))
    if name is not None and not name.lower().endswith("." + extension_for(kind, name)):
        return None, _("isi berkas %(kind)s tidak cocok dengan nama '%(name)s': gunakan "
                       "ekstensi .%(ext)s", kind=kind, name=name, ext=FILE_TYPES[kind])
    message = image_size_problem(data, kind) if kind in PILLOW_FORMATS else None
    return (None, message) if message else (kind, None)


def max_image_pixels():
    return int(current_app.config["MAX_IMAGE_PIXELS"])


def _megapixels(pixels):
    from app.templating import number  # the interface language's decimal separator

    return number(pixels / 1_000_000, 1)


def image_size_problem(data, mime):
    """Why the image is refused (more pixels than LMS_MAX_IMAGE_PIXELS, or a header that cannot
    be read), or None.

    A few KB of PNG can claim 20000 x 20000 pixels and unpack to gigabytes in whatever decodes
    it (a learner's phone, a future thumbnail). Pillow reads only the header here: open() is
    lazy and nothing calls load(). Pillow's own bomb check (a warning over 89 megapixels, an
    error over twice that) is not our limit, so its warning is silenced and its error is a
    refusal like ours. An image whose header Pillow cannot read is refused too: its size is
    unknown, and browsers are more forgiving than Pillow (a bad checksum, say).
    """
    from PIL import Image  # only where images are uploaded or imported: not in every worker

    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[mime]]) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return _("gambar terlalu besar: lebih dari %(max)s megapiksel",
                 max=_megapixels(limit))
    except (OSError, SyntaxError, ValueError, EOFError):
        return _("gambar tidak dapat dibaca (rusak atau terpotong): simpan ulang sebagai "
                 "PNG atau JPEG")
    if width * height > limit:
        return _("gambar terlalu besar: %(width)d x %(height)d piksel (%(mp)s megapiksel), "
                 "maksimal %(max)s megapiksel", width=width, height=height,
                 mp=_megapixels(width * height), max=_megapixels(limit))
    return None


def store_course_file(course, name, data, mime, user=None):
    """Record and write one checked file of the course (replacing one of the same name).

    Flushes; returns (CourseFile, changed). The bytes are written before the row is committed,
    so a rolled-back request leaves at most an orphan file, never a row without its file.
    """
    digest = hashlib.sha256(data).hexdigest()
    row = db.session.scalar(select(CourseFile).where(CourseFile.course_id == course.id,
                                                     CourseFile.name == name))
    if row is not None and row.sha256 == digest and stored_path(row).is_file():
        return row, False
    if row is None:
        row = CourseFile(course_id=course.id, name=name)
        db.session.add(row)
    row.mime, row.size, row.sha256 = mime, len(data), digest
    if user is not None:
        row.uploaded_by_id = user.id
    write_private(stored_path(row), data, root=uploads_root())  # 0640, atomic
    db.session.flush()
    return row, True


def course_files(course_id):
    return db.session.scalars(select(CourseFile).where(CourseFile.course_id == course_id)
                              .order_by(CourseFile.name)).all()


def read_media(folder, problems):
    """The course folder's media files by name; a wrong name, type or size is a problem.

    A rejected file maps to None, so a reference to it is not reported a second time.
    """
    media_dir = Path(folder) / MEDIA_FOLDER
    if media_dir.is_symlink():
        problems.append(Problem(str(media_dir), 1, link_message()))
        return {}
    if not media_dir.is_dir():
        return {}
    limit = upload_limit_bytes()
    found = {}
    for path in sorted(media_dir.iterdir()):
        if path.is_symlink():
            problems.append(Problem(str(path), 1, link_message()))
            found[path.name] = None
            continue
        if not path.is_file() or not SAFE_NAME.match(path.name):
            problems.append(Problem(str(path), 1, _(
                "nama berkas media harus huruf kecil/angka/tanda hubung dengan ekstensi png, "
                "jpg, gif, webp atau pdf (tanpa subfolder)")))
            continue
        if path.stat().st_size > limit:
            problems.append(Problem(str(path), 1, _(
                "berkas terlalu besar: %(kb)d KB, maksimal %(max)d KB",
                kb=path.stat().st_size // 1024, max=limit // 1024)))
            found[path.name] = None
            continue
        try:
            _mime, message = inspect_bytes(read_inside(path, folder), path.name)
        except UnsafeFile as error:
            message = error.message
        if message:
            problems.append(Problem(str(path), 1, message))
            found[path.name] = None
            continue
        found[path.name] = path
    return found


def media_ref_problems(body, media, path="", first_line=1):
    """Problems with `media/` images and links in a Markdown body: every image must be a
    file of this course (no other site), every `media/` link must name one."""
    problems = []
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        for target in IMAGE_REF.findall(line):
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith("//"):
                message = _("gambar dari situs lain tidak dimuat (%(src)s): simpan berkasnya di "
                            "folder media/ kursus", src=target)
            elif not target.startswith(MEDIA_FOLDER + "/"):
                message = _("gambar '%(src)s' harus berada di folder media/ kursus, "
                            "mis. media/diagram.png", src=target)
            elif target[len(MEDIA_FOLDER) + 1:] not in media:
                message = _("gambar '%(src)s' tidak ada di folder media/", src=target)
            else:
                continue
            problems.append(Problem(str(path), number, message))
        for target in MEDIA_LINK.findall(line):
            if target[len(MEDIA_FOLDER) + 1:] not in media:
                problems.append(Problem(str(path), number, _(
                    "berkas '%(src)s' tidak ada di folder media/", src=target)))
    return problems


def check_image_refs(document, media, problems):
    problems.extend(media_ref_problems(document.body, media, document.path, document.body_line))


def publish_media(course, media):
    """Record the course folder's files as the course's files (only those that changed)."""
    for name, source in media.items():
        if source is None:
            continue
        data = read_inside(source)
        store_course_file(course, name, data, guess_mime(data))
