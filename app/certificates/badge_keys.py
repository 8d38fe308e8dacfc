"""The institution's Open Badges signing keys: Ed25519 key pairs in instance/badge_keys/.

    instance/badge_keys/          0700
        current                   the key id (kid) that signs from now on
        <kid>.key.pem             the private key (PKCS#8), of the current key only
        <kid>.pub.pem             the public key of every key ever current

Every file is 0600 and the folder 0700 whatever the umask: a private key signs credentials in
the institution's name. The first key is made on first use. `flask certificates
rotate-badge-key` makes a new current key and deletes the old private key; the old public key
stays published (/.well-known/jwks.json, /.well-known/did.json), so every credential signed
with it still verifies: its JWT header names its key (`kid`). Deleting a <kid>.pub.pem
withdraws that key, and with it every credential it signed (a compromised key, after a
rotation). A key id is the key's RFC 7638 JWK thumbprint, so a file cannot claim another key's
id: ids are computed from the keys, never read from file names.

No database: the public routes that publish the keys need none, and every worker process
reads the same files (a rotation reaches all of them at their next request).
"""

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from joserfc.jwk import OKPKey

# joserfc (with cryptography, ~11 MiB) is imported where a key is read or made: loaded on first
# use keeps web workers light (docs/operations.md).

FOLDER = "badge_keys"
CURRENT = "current"
PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
CURVE = "Ed25519"


class BadgeKeyError(RuntimeError):
    """The key folder is not as this module leaves it (a current key without its private key)."""


@dataclass(frozen=True)
class BadgeKey:
    kid: str      # RFC 7638 thumbprint of the public key
    key: "OKPKey"   # the private key for signing_key(), public ones for published_keys()


def key_folder():
    """instance/badge_keys, created 0700 (an existing folder is tightened to 0700)."""
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)
    return folder


def signing_key():
    """The current key pair, made on first use."""
    from joserfc.jwk import OKPKey

    folder = key_folder()
    for _attempt in range(3):
        kid = _current_kid(folder) or _create_first_key(folder)
        try:
            key = OKPKey.import_key((folder / f"{kid}{PRIVATE_SUFFIX}").read_bytes())
        except FileNotFoundError:
            continue  # a rotation between reading `current` and the key: read `current` again
        if not (folder / f"{kid}{PUBLIC_SUFFIX}").exists():
            # Whatever it signed, no verifier could check.
            raise BadgeKeyError(f"the public key of the current key {kid} is not published; "
                                "run `flask certificates rotate-badge-key`")
        return BadgeKey(kid, key)
    raise BadgeKeyError(f"{folder / CURRENT} names key {kid}, whose private key is missing; "
                        "run `flask certificates rotate-badge-key`")


def published_keys():
    """Every public key (the current one first, then newest first): what verifiers need for
    credentials signed before a rotation. Makes the first key pair when there is none."""
    from joserfc.jwk import OKPKey

    folder = key_folder()
    current = _current_kid(folder) or signing_key().kid
    files = sorted(folder.glob(f"*{PUBLIC_SUFFIX}"), key=lambda path: path.stat().st_mtime,
                   reverse=True)
    keys = []
    for path in files:
        key = OKPKey.import_key(path.read_bytes())
        keys.append(BadgeKey(key.thumbprint(), key))
    return sorted(keys, key=lambda item: item.kid != current)  # stable: newest first after


def rotate_key():
    """Make a new current key; the old one's private half is deleted and its public half
    kept. Returns (old kid or None, new kid)."""
    folder = key_folder()
    old = _current_kid(folder)
    new = _write_new_key(folder)
    _point_current(folder, new, replace=True)
    if old and old != new:
        (folder / f"{old}{PRIVATE_SUFFIX}").unlink(missing_ok=True)
    return old, new


def _current_kid(folder):
    try:
        return (folder / CURRENT).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def _create_first_key(folder):
    """The first key pair. Two workers may get here at once: the first to name its key in
    `current` wins, the other deletes its own (it has signed nothing) and uses the winner's."""
    kid = _write_new_key(folder)
    if _point_current(folder, kid, replace=False):
        return kid
    for suffix in (PRIVATE_SUFFIX, PUBLIC_SUFFIX):
        (folder / f"{kid}{suffix}").unlink(missing_ok=True)
    return _current_kid(folder)


def _write_new_key(folder):
    from joserfc.jwk import OKPKey

    key = OKPKey.generate_key(CURVE)
    kid = key.thumbprint()
    _write_file(folder / f"{kid}{PUBLIC_SUFFIX}", key.as_pem(private=False))
    _write_file(folder / f"{kid}{PRIVATE_SUFFIX}", key.as_pem(private=True))
    return kid


def _point_current(folder, kid, replace):
    """Make `current` name kid, atomically: a reader sees the old id or the new one, never
    half a file. Without replace, only when there is no `current` yet (returns False)."""
    temporary = folder / f".{CURRENT}-{secrets.token_hex(6)}"
    _write_file(temporary, kid.encode("ascii"))
    try:
        if replace:
            os.replace(temporary, folder / CURRENT)
        else:
            os.link(temporary, folder / CURRENT)  # refuses to overwrite: the first one wins
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)


def _write_file(path, data):
    """A new 0600 file (never over an existing one, never through a link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # O_CREAT's mode is cut by the umask
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
