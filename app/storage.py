"""Files Kompeten stores (course files, JP evidence, exports, database copies) are private to the
service account and its group: 0640 files in 0750 folders, whatever the process umask.

JP evidence is personal data (UU 27/2022) and a draft course's files are not public yet; on a
shared host, other local accounts must not read them straight off the disk. Files are written
atomically (a temporary file, then a rename), so a reader never sees half a file. A write that
fails (full disk, read-only folder) removes its temporary file, so a failure never keeps the
disk full, and raises StorageError with a message for the person who tried.
"""

import errno
import os
from contextlib import contextmanager
from pathlib import Path

from flask_babel import gettext as _

from app.errors import LmsError

FILE_MODE = 0o640
FOLDER_MODE = 0o750


class StorageError(LmsError):
    """The server's disk refused a write; the message says why and what to do."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def storage_error(error):
    """The StorageError for an OSError from writing a file (507 full, 503 read-only/denied)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(_(
            "Penyimpanan server penuh: berkas tidak dapat disimpan dan tidak ada yang berubah. "
            "Beri tahu admin agar ruang disk dikosongkan, lalu coba lagi."), 507)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(_(
            "Folder penyimpanan server tidak dapat ditulisi (hanya-baca atau izinnya salah): "
            "berkas tidak disimpan dan tidak ada yang berubah. Beri tahu admin."), 503)
    return StorageError(_(
        "Berkas tidak dapat disimpan di server (%(reason)s); tidak ada yang berubah. "
        "Coba lagi, atau beri tahu admin.", reason=os.strerror(error.errno or 0)), 503)


@contextmanager
def removed_on_failure(path):
    """Write path inside the block; on any failure the partial file goes and an OSError
    becomes a StorageError."""
    try:
        yield
    except BaseException as error:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # a read-only folder holds no partial file either
            pass
        if isinstance(error, OSError):
            raise storage_error(error) from error
        raise


def private_folder(path, root=None):
    """Create path (and missing parents) as 0750 folders; with root, also tighten every folder
    from root down to path, so folders made before this rule (0755) are closed too."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    folders = [path]
    if root is not None:
        root = Path(root)
        folders = [root / Path(*path.relative_to(root).parts[:depth])
                   for depth in range(len(path.relative_to(root).parts) + 1)]
    for folder in folders:
        os.chmod(folder, FOLDER_MODE)
    return path


def write_private(path, data, root=None):
    """Write bytes to path as a 0640 file, atomically; its folder becomes 0750 (see
    private_folder for root)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    with removed_on_failure(temporary):
        private_folder(path.parent, root)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(temporary, flags, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # O_CREAT's mode is cut by the umask, and
            handle.write(data)                     # an old temporary file keeps its own mode
        os.replace(temporary, path)
    return path
