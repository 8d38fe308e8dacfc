"""Stamp files: how a commit in one worker tells every other worker that something they keep in
memory is stale.

A stamp is a small file in the instance folder holding a fresh random token. Whatever a worker
keeps (the settings, the users of recent requests) is tagged with the stamp it read before
reading the database; every commit that changed such rows writes a new token after the commit,
so a worker that sees the stamp it tagged with has read everything committed before that stamp
was written. Reading costs three system calls, far less than a statement. Kompeten runs on one
server; app servers sharing one database but not one instance folder would not see each
other's stamps (docs/operations.md).
"""

import os
import threading
import uuid
from pathlib import Path

from flask import current_app


class Stamp:
    def __init__(self, name):
        self.name = name
        self._path_key = f"stamp_path:{name}"

    def path(self):
        return Path(current_app.instance_path) / self.name

    def _path_text(self):
        # Kept per app: building a Path on every request was most of a read's cost.
        path = current_app.extensions.get(self._path_key)
        if path is None:
            path = current_app.extensions[self._path_key] = str(self.path())
        return path

    def read(self):
        """The current token, or b"" when there is no stamp (or it cannot be read)."""
        try:
            descriptor = os.open(self._path_text(), os.O_RDONLY)
        except OSError:
            return b""
        try:
            return os.read(descriptor, 64)
        except OSError:
            return b""
        finally:
            os.close(descriptor)

    def write(self):
        """Replace the token; returns the new one, or b"" when the file could not be written
        (the caller's commit stands either way)."""
        path = self.path()
        token = uuid.uuid4().hex.encode()
        # One temporary file per thread: the job consumer's threads may commit at the same time.
        temporary = path.with_name(f".{self.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(token)
            os.replace(temporary, path)  # readers see the old token or the new, never half
        except OSError:
            current_app.logger.warning("stamp %s could not be written", path)
            return b""
        return token

    def remove(self):
        """Delete the stamp, so that nothing is kept under an old token; False if that failed."""
        try:
            os.unlink(self._path_text())
        except FileNotFoundError:
            return True
        except OSError:
            current_app.logger.warning("stamp %s could not be removed", self.path())
            return False
        return True
