"""The audit log: who did what to which object, and when. Written by services, read by admins."""

import json

from flask import has_request_context, request
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details_json: Mapped[str] = mapped_column(Text, default="{}")

    actor = relationship("User")

    @property
    def details(self):
        """What the action recorded, without the client address (see `address`)."""
        details = json.loads(self.details_json or "{}")
        details.pop(ADDRESS_KEY, None)
        return details

    @property
    def address(self):
        """The client's address for events recorded during a request (None from the CLI)."""
        return json.loads(self.details_json or "{}").get(ADDRESS_KEY)


# Stored inside details_json: every event made during a request says where it came from.
ADDRESS_KEY = "client_address"


def record_event(actor, action, obj_type, obj_id=None, **details):
    """Add an audit event in the caller's transaction (flushes nothing by itself). During a
    request it records the client's address: after ProxyFix, the client's own, not the
    proxy's (app/proxy.py)."""
    if has_request_context():
        details.setdefault(ADDRESS_KEY, request.remote_addr)
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       object_type=obj_type, object_id=str(obj_id) if obj_id is not None else None,
                       details_json=json.dumps(details, ensure_ascii=False, default=str))
    db.session.add(event)
    return event
