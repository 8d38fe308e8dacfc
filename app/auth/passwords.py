"""Password hashing with Argon2id (argon2-cffi); cost comes from the app config."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers = {}


def _hasher():
    config = current_app.config
    params = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
              config["ARGON2_PARALLELISM"])
    if params not in _hashers:
        _hashers[params] = PasswordHasher(
            time_cost=params[0], memory_cost=params[1], parallelism=params[2]
        )
    return _hashers[params]


def hash_password(password):
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """True when the password matches; never raises on a malformed stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """True when the stored hash was made with weaker parameters than configured now."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A real hash to verify against when the account does not exist, so that a login for an
# unknown NIP costs the same time as one for a known NIP (no account enumeration by timing).
def dummy_verify(password):
    hasher = _hasher()
    key = ("dummy",) + (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _hashers:
        _hashers[key] = hasher.hash("kompeten-dummy-password")
    verify_password(_hashers[key], password)


# Lower-case letters and digits that cannot be misread from paper or over the phone (no i, l,
# 1, o, 0, and no upper case to mistype), for passwords an admin hands to someone.
HANDOUT_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
HANDOUT_LENGTH = 12  # 31^12 ≈ 2^59


def temporary_password():
    """A random one-time password; only its hash is ever stored."""
    return "".join(secrets.choice(HANDOUT_ALPHABET) for _ in range(HANDOUT_LENGTH))
