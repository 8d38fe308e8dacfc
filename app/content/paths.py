"""Authored files are read from inside their own folder only, never through a symbolic link.

Course and quiz folders come from git or a colleague's copy; a link in one could point at
anything the server may read (another learner's JP evidence, instance/secret_key) and an import
would publish it as course media or module text. So a link anywhere below a course folder is a
problem like a broken front matter (the course is not imported), and every read opens the file
itself without following a link (O_NOFOLLOW), so a link slipped in between the check and the
read is refused too. The folder named on the command line is taken as given.
"""

import errno
import os
import stat
from pathlib import Path

from flask_babel import gettext as _


class UnsafeFile(Exception):
    """A file that must not be read: a link, outside its folder, or not a regular file."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def link_message():
    return _("tautan simbolik (symlink) tidak diterima: salin berkas atau folder aslinya ke "
             "dalam folder kursus")


def links_below(folder):
    """Every symbolic link at any depth below folder (os.walk does not follow them)."""
    links = []
    for directory, folders, files in os.walk(folder):
        links += [Path(directory) / name for name in sorted(folders + files)
                  if (Path(directory) / name).is_symlink()]
    return links


def read_inside(path, folder=None):
    """The bytes of the regular file at path, which must lie inside folder (default: its own
    folder) once resolved and must not be a link. Raises UnsafeFile with the reason."""
    path = Path(path)
    folder = Path(folder) if folder is not None else path.parent
    if path.is_symlink():
        raise UnsafeFile(link_message())
    if not path.resolve().is_relative_to(folder.resolve()):
        raise UnsafeFile(_("berkas berada di luar folder kursus"))
    # O_NONBLOCK: a named pipe put in place of a file must not hang the import.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeFile(link_message()) from error
        raise
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UnsafeFile(_("bukan berkas biasa"))
        return handle.read()
