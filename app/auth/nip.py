"""NIP (Nomor Induk Pegawai) validation for PNS and PPPK numbers, as described in DOMAIN.md.

A NIP is 18 digits: birth date YYYYMMDD, then either the PNS TMT CPNS (YYYYMM) or the PPPK
appointment year plus the digit 2 and an agreement digit, then sex (1/2) and a 3-digit serial.
"""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

PNS = "pns"
PPPK = "pppk"
_SEPARATORS = re.compile(r"[\s.\-]+")


class InvalidNip(ValueError):
    """The NIP breaks a rule; the message names that rule in Bahasa Indonesia."""


@dataclass(frozen=True)
class NipInfo:
    nip: str
    employment_type: str  # PNS or PPPK
    birth_date: date
    appointment_year: int
    appointment_month: int | None  # PNS only: the TMT CPNS month
    sex: str  # "L" or "P"
    serial: int


def normalize_nip(raw):
    """Strip the spaces, dots and dashes people type inside a NIP."""
    return _SEPARATORS.sub("", raw or "")


def format_nip(nip):
    """Show a NIP grouped the way people read it: 19860926 201505 1 001."""
    if not nip or len(nip) != 18:
        return nip or ""
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _birth_date(digits):
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidNip(
            _("tanggal lahir %(value)s tidak valid (8 digit pertama harus tanggal YYYYMMDD)",
              value=digits[0:8])
        ) from None


def parse_nip(raw):
    """Validate a NIP and return what it says; raise InvalidNip naming the rule that failed."""
    nip = normalize_nip(raw)
    if not nip:
        raise InvalidNip(_("NIP wajib diisi"))
    if not nip.isdigit() or not nip.isascii():
        raise InvalidNip(_("NIP hanya boleh berisi angka (spasi, titik dan tanda hubung boleh)"))
    if len(nip) != 18:
        raise InvalidNip(_("NIP harus 18 digit, yang dimasukkan %(count)d digit", count=len(nip)))
    birth = _birth_date(nip)
    year = int(nip[8:12])
    if nip[12] == "2":
        employment_type, month = PPPK, None
    elif 1 <= int(nip[12:14]) <= 12:
        employment_type, month = PNS, int(nip[12:14])
    else:
        raise InvalidNip(
            _("digit 13–14 (%(value)s) bukan bulan TMT CPNS 01–12 dan bukan kode PPPK (2)",
              value=nip[12:14])
        )
    # Both layouts carry the sex at digit 15 (DOMAIN.md): PNS after the TMT month, PPPK after
    # the PPPK code and the agreement digit. The message names the layout that was read.
    if nip[14] not in "12":
        raise InvalidNip(
            _("digit ke-15 (jenis kelamin) NIP %(layout)s harus 1 (laki-laki) atau "
              "2 (perempuan), bukan %(value)s",
              layout=employment_type.upper(), value=nip[14])
        )
    if nip[15:] == "000":
        raise InvalidNip(_("nomor urut (3 digit terakhir) tidak boleh 000"))
    return NipInfo(
        nip=nip,
        employment_type=employment_type,
        birth_date=birth,
        appointment_year=year,
        appointment_month=month,
        sex="L" if nip[14] == "1" else "P",
        serial=int(nip[15:]),
    )


def plausibility_warnings(info):
    """Soft checks that never reject (staff converted in 2009 kept TMTs from the 1970s)."""
    warnings = []
    age_at_appointment = info.appointment_year - info.birth_date.year
    if age_at_appointment < 18:
        warnings.append(_("usia saat pengangkatan kurang dari 18 tahun; periksa kembali NIP"))
    if age_at_appointment > 60:
        warnings.append(_("usia saat pengangkatan lebih dari 60 tahun; periksa kembali NIP"))
    return warnings
