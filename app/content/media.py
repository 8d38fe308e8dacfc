"""Images that travel with a course folder (`courses/<slug>/media/`), checked and published.

Markdown refers to them as `media/<name>`; at import they are checked by content (not by
name), copied to `instance/media/<slug>/` and served from `/media/<slug>/<name>`.
"""

import filecmp
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import filetype
from flask import current_app
from flask_babel import gettext as _

from app.content.frontmatter import Problem

MEDIA_FOLDER = "media"
IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(png|jpe?g|gif|webp)$")
IMAGE_REF = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def media_url(slug):
    return f"/media/{slug}/"


def media_root():
    return Path(current_app.instance_path) / "media"


def read_media(folder, problems):
    """The course's images by name; a wrong name, type or size is a problem.

    A rejected file maps to None, so a reference to it is not reported a second time.
    """
    media_dir = Path(folder) / MEDIA_FOLDER
    if not media_dir.is_dir():
        return {}
    limit = current_app.config["MEDIA_MAX_BYTES"]
    found = {}
    for path in sorted(media_dir.iterdir()):
        if not path.is_file() or not SAFE_NAME.match(path.name):
            problems.append(Problem(str(path), 1, _(
                "nama berkas media harus huruf kecil/angka/tanda hubung dengan ekstensi png, "
                "jpg, gif atau webp (tanpa subfolder)")))
            continue
        size = path.stat().st_size
        if size > limit:
            problems.append(Problem(str(path), 1, _(
                "gambar terlalu besar: %(kb)d KB, maksimal %(max)d KB",
                kb=size // 1024, max=limit // 1024)))
            found[path.name] = None
            continue
        kind = filetype.guess_mime(str(path))
        if kind not in IMAGE_TYPES:
            problems.append(Problem(str(path), 1, _(
                "isi berkas bukan gambar PNG, JPEG, GIF atau WebP (terdeteksi: %(kind)s)",
                kind=kind or _("tidak dikenal"))))
            found[path.name] = None
            continue
        found[path.name] = path
    return found


def check_image_refs(document, media, problems):
    """Every Markdown image must be a `media/<name>` file of this course."""
    for offset, line in enumerate(document.body.split("\n")):
        for target in IMAGE_REF.findall(line):
            number = document.body_line + offset
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
            problems.append(Problem(str(document.path), number, message))


def publish_media(slug, media):
    """Copy the course's images where the server serves them (only files that changed)."""
    target = media_root() / slug
    if not media:
        return
    target.mkdir(parents=True, exist_ok=True)
    for name, source in media.items():
        destination = target / name
        if not destination.exists() or not filecmp.cmp(source, destination, shallow=False):
            shutil.copyfile(source, destination)
