"""Login throttling: failed logins are counted per account and per client IP.

The counts live in the rate-limit storage (`RATELIMIT_STORAGE_URI`): Redis when
`LMS_REDIS_URL` is set, so every worker and server sees the same count, memory otherwise.
A moving window is used, so the wait shown is exact: the moment the oldest failure in the
window expires, one more attempt is allowed.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION_KEY = "login_throttle"


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused before the password is even looked at."""

    scope: str  # "account" or "ip"
    wait_seconds: int

    @property
    def wait_minutes(self):
        return max(1, math.ceil(self.wait_seconds / 60))


def _rate_limiter():
    """One strategy object per app, on the same storage URI as Flask-Limiter's limits."""
    app = current_app._get_current_object()
    if EXTENSION_KEY not in app.extensions:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        app.extensions[EXTENSION_KEY] = MovingWindowRateLimiter(storage)
    return app.extensions[EXTENSION_KEY]


def _limit(config_key):
    config = current_app.config
    return RateLimitItemPerSecond(config[config_key], config["LOGIN_THROTTLE_WINDOW_SECONDS"])


def _account_limit():
    return _limit("LOGIN_FAILURES_PER_ACCOUNT")


def _ip_limit():
    return _limit("LOGIN_FAILURES_PER_IP")


def account_key(identifier):
    """The same key for every way of typing one login: an e-mail in any case, a NIP with or
    without spaces. Hashed, so the shared storage holds no NIPs or addresses."""
    identifier = (identifier or "").strip().lower()
    if "@" not in identifier:
        identifier = "".join(ch for ch in identifier if ch.isdigit()) or identifier
    return hashlib.sha256(identifier.encode()).hexdigest()[:32]


def _ids(scope, value):
    return current_app.config["RATELIMIT_KEY_PREFIX"], "login-failures", scope, value


def _refusal(scope, limit, value):
    strategy = _rate_limiter()
    if strategy.test(limit, *_ids(scope, value)):
        return None
    reset_at = strategy.get_window_stats(limit, *_ids(scope, value)).reset_time
    return Refusal(scope, max(1, math.ceil(reset_at - time.time())))


def check(identifier, ip):
    """A Refusal when this account or this IP has failed too often lately, else None."""
    return (_refusal("account", _account_limit(), account_key(identifier))
            or _refusal("ip", _ip_limit(), ip or "unknown"))


def record_failure(identifier, ip):
    strategy = _rate_limiter()
    strategy.hit(_account_limit(), *_ids("account", account_key(identifier)))
    strategy.hit(_ip_limit(), *_ids("ip", ip or "unknown"))


def reset_account(identifier):
    """After a successful login the owner is back in. The IP count is left alone: otherwise
    an attacker holding one valid account could wipe their IP's count by logging into it."""
    _rate_limiter().clear(_account_limit(), *_ids("account", account_key(identifier)))
