"""Stamp files: how a commit in one worker tells every other worker that something they keep in
memory is stale.

A stamp is a small file in the instance folder holding a fresh random token. Whatever a worker
keeps (the settings, the users of recent requests) is tagged with the stamp it read before
reading the database; every commit that changed such rows writes a new token after the commit,
so a worker that sees the stamp it tagged with has read everything committed before that stamp
was written. Reading costs three system calls, far less than a statement. Kompeten runs on one
server; app servers sharing one database but not one instance folder would not see each
other's stamps (docs/operations.md).

The owner of a stamp says which flushes or statements change its rows (`note_change`); the
stamp is then rewritten after that session's commit, and forgotten when it rolls back. A
stamp that cannot be rewritten is deleted: without one, nothing is kept under the old token.
"""

import os
import threading
import uuid
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

_STAMPS = []


class Stamp:
    def __init__(self, name, on_change=None):
        """`on_change`: called in the committing process before the stamp is rewritten (to drop
        that process's own copies at once)."""
        self.name = name
        self._path_key = f"stamp_path:{name}"
        self._changed_key = f"kompeten_stamp_changed:{name}"
        self._on_change = on_change
        _STAMPS.append(self)

    def note_change(self, session):
        """The session changed rows this stamp covers: rewrite it after the session commits."""
        session.info[self._changed_key] = True

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

    def _after_commit(self, session):
        if session.info.pop(self._changed_key, False) and has_app_context():
            if self._on_change is not None:
                self._on_change()
            if not self.write():
                self.remove()


@event.listens_for(Session, "after_commit")
def _rewrite_changed_stamps(session):
    for stamp in _STAMPS:
        stamp._after_commit(session)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    for stamp in _STAMPS:
        session.info.pop(stamp._changed_key, None)
