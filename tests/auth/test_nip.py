"""NIP rules from DOMAIN.md: PNS and PPPK layouts, separators, dates, codes, sex and serial."""

from datetime import date

import pytest

from app.auth.nip import (
    PNS,
    PPPK,
    InvalidNip,
    format_nip,
    normalize_nip,
    parse_nip,
    plausibility_warnings,
)

VALID = [
    # raw input, normalised NIP, employment type, birth date, sex, TMT/appointment year, month
    ("198609262015051001", "198609262015051001", PNS, date(1986, 9, 26), "L", 2015, 5),
    ("19860926 201505 1 001", "198609262015051001", PNS, date(1986, 9, 26), "L", 2015, 5),
    ("19860926.201505.1.001", "198609262015051001", PNS, date(1986, 9, 26), "L", 2015, 5),
    ("19860926-201505-1-001", "198609262015051001", PNS, date(1986, 9, 26), "L", 2015, 5),
    ("  19860926 - 201505 . 1 001\t", "198609262015051001", PNS, date(1986, 9, 26), "L", 2015, 5),
    ("198609262015052001", "198609262015052001", PNS, date(1986, 9, 26), "P", 2015, 5),
    ("197001011998011999", "197001011998011999", PNS, date(1970, 1, 1), "L", 1998, 1),
    ("198001012009121002", "198001012009121002", PNS, date(1980, 1, 1), "L", 2009, 12),
    # 29 February only in leap years: 2000 (divisible by 400) and 1996.
    ("200002292020011001", "200002292020011001", PNS, date(2000, 2, 29), "L", 2020, 1),
    ("199602292020112001", "199602292020112001", PNS, date(1996, 2, 29), "P", 2020, 11),
    # PPPK: year, then 2 at digit 13 and any agreement digit at 14 (0 and 9 included).
    ("200012312024211001", "200012312024211001", PPPK, date(2000, 12, 31), "L", 2024, None),
    ("20001231 202421 1 001", "200012312024211001", PPPK, date(2000, 12, 31), "L", 2024, None),
    ("199505172023202005", "199505172023202005", PPPK, date(1995, 5, 17), "P", 2023, None),
    ("199505172023292005", "199505172023292005", PPPK, date(1995, 5, 17), "P", 2023, None),
    ("198811302022251123", "198811302022251123", PPPK, date(1988, 11, 30), "L", 2022, None),
]


@pytest.mark.parametrize(("raw", "nip", "kind", "birth", "sex", "year", "month"), VALID)
def test_valid_nip_is_parsed(raw, nip, kind, birth, sex, year, month):
    info = parse_nip(raw)
    assert info.nip == nip
    assert info.employment_type == kind
    assert info.birth_date == birth
    assert info.sex == sex
    assert info.appointment_year == year
    assert info.appointment_month == month
    assert info.serial == int(nip[-3:])


INVALID = [
    # raw input, words the message must contain (the rule and the offending digits)
    ("", ["NIP wajib diisi"]),
    ("  . - ", ["NIP wajib diisi"]),
    ("19860926201505100", ["18 digit", "17 digit"]),
    ("1986092620150510011", ["18 digit", "19 digit"]),
    ("19860926 201505 1", ["18 digit", "15 digit"]),
    ("19860926201505100A", ["hanya boleh berisi angka"]),
    ("19860926/201505/1/001", ["hanya boleh berisi angka"]),
    ("NIP198609262015051001", ["hanya boleh berisi angka"]),
    # Full-width and Arabic-Indic digits are digits to Python, but not a NIP.
    ("１９８６０９２６２０１５０５１００１", ["hanya boleh berisi angka"]),
    ("١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", ["hanya boleh berisi angka"]),
    # Digits 1-8 must be a real date.
    ("198613322015051001", ["tanggal lahir", "19861332"]),
    ("198600152015051001", ["tanggal lahir", "19860015"]),
    ("198609002015051001", ["tanggal lahir", "19860900"]),
    ("198609312015051001", ["tanggal lahir", "19860931"]),
    ("198602292015051001", ["tanggal lahir", "19860229"]),
    ("190002292015051001", ["tanggal lahir", "19000229"]),
    ("202302292024211001", ["tanggal lahir", "20230229"]),
    ("000001012015051001", ["tanggal lahir", "00000101"]),
    # Digits 13-14: 01-12 is a PNS TMT month, 2x is PPPK, anything else is neither.
    ("198609262015001001", ["digit 13–14", "(00)", "01–12", "PPPK"]),
    ("198609262015131001", ["digit 13–14", "(13)"]),
    ("198609262015191001", ["digit 13–14", "(19)"]),
    ("198609262015301001", ["digit 13–14", "(30)"]),
    ("198609262015991001", ["digit 13–14", "(99)"]),
    # Digit 15 is the sex: 1 or 2.
    ("198609262015050001", ["digit ke-15", "jenis kelamin", "bukan 0"]),
    ("198609262015053001", ["digit ke-15", "jenis kelamin", "NIP PNS", "bukan 3"]),
    ("198609262015059001", ["digit ke-15", "jenis kelamin", "NIP PNS", "bukan 9"]),
    # PPPK: digit 13 is the code 2, 14 the agreement count, and the sex is digit 15 too.
    ("200012312024219001", ["digit ke-15", "jenis kelamin", "NIP PPPK", "bukan 9"]),
    ("200012312024213001", ["digit ke-15", "jenis kelamin", "NIP PPPK", "bukan 3"]),
    ("200012312024290001", ["digit ke-15", "jenis kelamin", "NIP PPPK", "bukan 0"]),
    # The serial is never 000, for PNS and PPPK alike.
    ("198609262015051000", ["nomor urut", "000"]),
    ("200012312024211000", ["nomor urut", "000"]),
]


@pytest.mark.parametrize(("raw", "expected_words"), INVALID)
def test_invalid_nip_names_the_failing_rule(raw, expected_words):
    with pytest.raises(InvalidNip) as caught:
        parse_nip(raw)
    message = str(caught.value)
    for word in expected_words:
        assert word in message, (word, message)
    # A rule is named, never a bare "NIP salah".
    assert message != "NIP salah"


def test_none_is_treated_as_empty():
    with pytest.raises(InvalidNip, match="NIP wajib diisi"):
        parse_nip(None)


def test_date_rule_is_checked_before_the_layout_rules():
    # Bad date and bad month code together: the date, being first in the number, is reported.
    with pytest.raises(InvalidNip, match="tanggal lahir 19861332"):
        parse_nip("198613322015001000")


def test_normalize_nip_strips_only_separators():
    assert normalize_nip(" 19860926 201505 1 001 ") == "198609262015051001"
    assert normalize_nip("19860926.201505-1 001") == "198609262015051001"
    assert normalize_nip("1986A") == "1986A"
    assert normalize_nip(None) == ""


@pytest.mark.parametrize(("nip", "shown"), [
    ("198609262015051001", "19860926 201505 1 001"),
    ("200012312024211001", "20001231 202421 1 001"),
    ("199602292020112999", "19960229 202011 2 999"),
    ("12345", "12345"),
    ("", ""),
    (None, ""),
])
def test_format_nip_groups_the_digits(nip, shown):
    assert format_nip(nip) == shown


def test_format_then_parse_round_trips():
    for raw, nip, *_ in VALID:
        assert parse_nip(format_nip(parse_nip(raw).nip)).nip == nip


def test_implausible_nip_only_warns():
    # Staff converted in 2009 kept 1970s TMTs: a plausible old NIP gives no warning.
    assert plausibility_warnings(parse_nip("195003041975031002")) == []
    # Appointed at 5 years old: accepted, with a warning that names the problem.
    child = parse_nip("201001012015051001")
    assert child.employment_type == PNS
    assert any("kurang dari 18 tahun" in w for w in plausibility_warnings(child))
    old = parse_nip("194001012015051001")
    assert any("lebih dari 60 tahun" in w for w in plausibility_warnings(old))
