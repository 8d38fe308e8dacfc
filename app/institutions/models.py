"""An institution that provides courses, sessions and programmes."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.database import UTCDateTime, utcnow
from app.extensions import db

INSTITUTION_KINDS = {"opd": _l("OPD Pemerintah Kota Palu"), "university": _l("Perguruan tinggi"),
                     "ministry": _l("Kementerian/lembaga"), "other": _l("Lainnya")}


class Institution(db.Model):
    __tablename__ = "institution"
    __table_args__ = (
        CheckConstraint("kind IN ('opd', 'university', 'ministry', 'other')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # The name courses, sessions and programmes carry as their `provider` (kept in step).
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(16), default="other")
    # The institution running this Kompeten (BKPSDM): its certificates name no partner.
    is_home: Mapped[bool] = mapped_column(Boolean, default=False)
    logo_mime: Mapped[str | None] = mapped_column(String(32))
    logo_version: Mapped[int] = mapped_column(Integer, default=0)
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self):
        return INSTITUTION_KINDS.get(self.kind, self.kind)

    @property
    def label(self):
        """"Universitas Tadulako (Untad)", or the name alone."""
        return f"{self.name} ({self.short_name})" if self.short_name else self.name
