"""Login throttling: failed logins are counted per account from one client address, per client
address, and per account from everywhere.

Counting per account alone would let anyone who knows a NIP keep its owner out forever with
five guesses every fifteen minutes. So the small account limit counts one account from one
address (a guesser is stopped quickly, the owner elsewhere is not), the address limit spans all
accounts (one machine trying many NIPs), and a much higher per-account ceiling stops a guesser
spread over many addresses. "Address" is `request.remote_addr`: behind a trusted proxy, the
client's own (app/proxy.py).

The counts live in the rate-limit storage (`RATELIMIT_STORAGE_URI`): Redis when
`LMS_REDIS_URL` is set, so every worker and server sees the same count, memory otherwise.
A moving window is used, so the wait shown is exact: the moment the oldest failure in the
window expires, one more attempt is allowed.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItemPerSecond, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION_KEY = "login_throttle"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why a login is refused before the password is even looked at."""

    scope: str  # "account" (from this address or from everywhere) or "ip"
    wait_seconds: int

    @property
    def wait_minutes(self):
        return max(1, math.ceil(self.wait_seconds / 60))


class FallbackLimiter:
    """The moving-window limiter on the shared storage (Redis), or on this process's memory
    while the shared storage does not answer: a Redis outage must never stop logins. One
    warning per outage; the shared storage is tried again every RECHECK_SECONDS and taken back
    as soon as it answers (counts made meanwhile stay per process)."""

    RECHECK_SECONDS = 5

    def __init__(self, storage):
        self.shared = MovingWindowRateLimiter(storage)
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.down_since = None
        self.next_check = 0.0

    def _limiter(self):
        if self.down_since is not None and time.monotonic() >= self.next_check:
            self.next_check = time.monotonic() + self.RECHECK_SECONDS
            if _answers(self.shared.storage):
                log.warning("rate-limit storage answers again after %.0f s: shared login "
                            "limits resume", time.monotonic() - self.down_since)
                self.down_since = None
        return self.local if self.down_since is not None else self.shared

    def __getattr__(self, method):
        def call(*args):
            limiter = self._limiter()
            try:
                return getattr(limiter, method)(*args)
            except Exception as error:  # any storage failure: count here instead
                if limiter is self.local:
                    raise
                self._went_down(error)
                return getattr(self.local, method)(*args)

        return call

    def _went_down(self, error):
        if self.down_since is None:
            log.warning("rate-limit storage unreachable (%s): login limits are counted per "
                        "process until it answers again", type(error).__name__)
            self.down_since = time.monotonic()
        self.next_check = time.monotonic() + self.RECHECK_SECONDS


def _answers(storage):
    try:
        return bool(storage.check())
    except Exception:  # still down
        return False


def _rate_limiter():
    """One limiter per app, on the same storage as Flask-Limiter's limits (with its options)."""
    app = current_app._get_current_object()
    if EXTENSION_KEY not in app.extensions:
        storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"],
                                      **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        app.extensions[EXTENSION_KEY] = FallbackLimiter(storage)
    return app.extensions[EXTENSION_KEY]


def _limit(config_key):
    config = current_app.config
    return RateLimitItemPerSecond(config[config_key], config["LOGIN_THROTTLE_WINDOW_SECONDS"])


def _account_limit():
    return _limit("LOGIN_FAILURES_PER_ACCOUNT")


def _ip_limit():
    return _limit("LOGIN_FAILURES_PER_IP")


def _account_total_limit():
    return _limit("LOGIN_FAILURES_PER_ACCOUNT_TOTAL")


def account_key(identifier):
    """The same key for every way of typing one login: an e-mail in any case, a NIP with or
    without spaces. Hashed, so the shared storage holds no NIPs or addresses."""
    identifier = (identifier or "").strip().lower()
    if "@" not in identifier:
        identifier = "".join(ch for ch in identifier if ch.isdigit()) or identifier
    return hashlib.sha256(identifier.encode()).hexdigest()[:32]


def _ids(*key):
    return (current_app.config["RATELIMIT_KEY_PREFIX"], "login-failures", *key)


def _refusal(scope, limit, *key):
    strategy = _rate_limiter()
    if strategy.test(limit, *_ids(*key)):
        return None
    reset_at = strategy.get_window_stats(limit, *_ids(*key)).reset_time
    return Refusal(scope, max(1, math.ceil(reset_at - time.time())))


def _counters(identifier, ip):
    """(scope shown to the user, limit, storage key) for every count one failure adds to."""
    account, address = account_key(identifier), ip or "unknown"
    return (("account", _account_limit(), ("account-from-ip", account, address)),
            ("ip", _ip_limit(), ("ip", address)),
            ("account", _account_total_limit(), ("account", account)))


def check(identifier, ip):
    """A Refusal when this account from this address, this address, or this account from
    everywhere has failed too often lately, else None."""
    for scope, limit, key in _counters(identifier, ip):
        refusal = _refusal(scope, limit, *key)
        if refusal is not None:
            return refusal
    return None


def record_failure(identifier, ip):
    strategy = _rate_limiter()
    for _scope, limit, key in _counters(identifier, ip):
        strategy.hit(limit, *_ids(*key))


def reset_account(identifier, ip):
    """After a successful login the owner is back in from their address. The address count
    is left alone (otherwise an attacker holding one valid account could wipe their address's
    count by logging into it), and so is the account's total: only its owner's own address is
    forgiven, not a guesser's."""
    key = ("account-from-ip", account_key(identifier), ip or "unknown")
    _rate_limiter().clear(_account_limit(), *_ids(*key))


# --- password reset requests ------------------------------------------------------------------

def allow_reset_request(identifier):
    """Count one password-reset request for this account (account_key: the same for its NIP
    and its address); False once PASSWORD_RESET_RATE_LIMIT is used up. Then no mail goes out,
    and the page answers exactly as before, so the limit tells nobody whether the account
    exists. Per-address limits are Flask-Limiter's, on the route."""
    strategy = _rate_limiter()
    ids = (current_app.config["RATELIMIT_KEY_PREFIX"], "password-reset", account_key(identifier))
    return all(strategy.hit(limit, *ids)
               for limit in parse_many(current_app.config["PASSWORD_RESET_RATE_LIMIT"]))


# --- writing in the app (discussion posts) ------------------------------------------------------

def spend(scope, key, limits):
    """Count one action of `key` (a person's id) against `limits` (Flask-Limiter's syntax,
    "5 per minute; 40 per hour"). Returns None when it is allowed (and counted), else the
    seconds until the next one would be; a refused action is not counted. Same storage and
    Redis fallback as the login limits, so a view can refuse inside its form (the text typed
    stays on the page) instead of with a bare 429 page."""
    strategy = _rate_limiter()
    ids = (current_app.config["RATELIMIT_KEY_PREFIX"], scope, str(key))
    items = parse_many(limits)
    for item in items:
        if not strategy.test(item, *ids):
            reset_at = strategy.get_window_stats(item, *ids).reset_time
            return max(1, math.ceil(reset_at - time.time()))
    for item in items:
        strategy.hit(item, *ids)
    return None
