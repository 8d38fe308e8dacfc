"""Revocation status lists (W3C Bitstring Status List v1.0) behind the Open Badges.

Every certificate owns one bit, `status_index`, drawn at issue. The lists are made from the
database each time one is asked for (app/certificates/badges.py signs it), so a revocation
shows in the next fetch with no cache to forget: `revoke_certificate` sets `revoked_at`, and
that is the bit.

Positions are drawn at random, not in order: neighbouring bits then say nothing about who was
certified together, and a list is one of many entries to whoever watches it being fetched
(the specification's herd privacy). The lists together are kept at most half full, so a random
draw rarely meets a position in use; one more list opens when they fill up.
"""

import base64
import gzip
import secrets

from sqlalchemy import func, select

from app.certificates.models import STATUS_LIST_SIZE, Certificate
from app.extensions import db

# A free position is found among this many random ones in one query (at most half of all
# positions are in use, so all of them are taken about once in 256 draws; then it draws again).
DRAWS = 8
# The lists are kept at most 1/FILL full.
FILL = 2


def new_status_index():
    """A status position no certificate has (two queries, rarely more). Two issues racing
    for the same position collide on the unique constraint, and the issue retries
    (services._insert_numbered)."""
    issued = db.session.scalar(select(func.count()).select_from(Certificate))
    capacity = STATUS_LIST_SIZE * (1 + issued * FILL // STATUS_LIST_SIZE)
    while True:
        candidates = {secrets.randbelow(capacity) for _ in range(DRAWS)}
        taken = set(db.session.scalars(select(Certificate.status_index).where(
            Certificate.status_index.in_(candidates))))
        free = sorted(candidates - taken)
        if free:
            return secrets.choice(free)


def new_status_indexes(count):
    """`count` distinct free positions at once, in random order, for certificates inserted in
    bulk (the benchmark's seeding): one query reads every position in use."""
    taken = set(db.session.scalars(select(Certificate.status_index)))
    capacity = STATUS_LIST_SIZE * (1 + (len(taken) + count) * FILL // STATUS_LIST_SIZE)
    chosen = []
    while len(chosen) < count:
        position = secrets.randbelow(capacity)
        if position not in taken:
            taken.add(position)
            chosen.append(position)
    return chosen


def list_exists(number):
    """Whether status list `number` (1, 2, ...) holds any certificate; list 1 always exists."""
    if number == 1:
        return True
    if number < 1:
        return False
    highest = db.session.scalar(select(func.max(Certificate.status_index)))
    return highest is not None and number <= highest // STATUS_LIST_SIZE + 1


def revoked_positions(number):
    """The positions set in status list `number`: its revoked certificates (one query)."""
    first = (number - 1) * STATUS_LIST_SIZE
    return [index - first for index in db.session.scalars(select(Certificate.status_index).where(
        Certificate.revoked_at.is_not(None), Certificate.status_index >= first,
        Certificate.status_index < first + STATUS_LIST_SIZE))]


def encode_bitstring(positions, size=STATUS_LIST_SIZE):
    """The list's `encodedList`: the bitstring (position 0 is the first byte's highest bit),
    GZIP-compressed, base64url without padding, with the multibase prefix "u"."""
    bits = bytearray(size // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same bits, the same text
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")
