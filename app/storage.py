"""Files Kompeten stores (course files, JP evidence, exports, database copies) are private to the
service account and its group: 0640 files in 0750 folders, whatever the process umask.

JP evidence is personal data (UU 27/2022) and a draft course's files are not public yet; on a
shared host, other local accounts must not read them straight off the disk. Files are written
atomically (a temporary file, then a rename), so a reader never sees half a file.
"""

import os
from pathlib import Path

FILE_MODE = 0o640
FOLDER_MODE = 0o750


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
    private_folder(path.parent, root)
    temporary = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # O_CREAT's mode is cut by the umask, and an
        handle.write(data)                     # old temporary file keeps its own mode
    os.replace(temporary, path)
    return path
