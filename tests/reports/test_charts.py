"""The inline SVG bar charts, on their own."""

from decimal import Decimal
from xml.etree import ElementTree

from app.reports.charts import BAR_AREA, bar_chart, series

SVG = "{http://www.w3.org/2000/svg}"


def chart(groups, names=("Jumlah",), **options):
    return str(bar_chart("uji", "Judul <grafik>", "Keterangan & ringkasan", groups,
                         series(*names), **options))


def test_chart_is_well_formed_svg_with_its_accessible_name():
    root = ElementTree.fromstring(chart([("OPD A", [3]), ("OPD B", [6])]))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "uji-title uji-desc"
    assert root.find(f"{SVG}title").text == "Judul <grafik>"
    assert root.find(f"{SVG}desc").text == "Keterangan & ringkasan"
    assert root.find(f"{SVG}title").get("id") == "uji-title"


def test_bars_are_scaled_to_the_largest_value_or_the_given_maximum():
    root = ElementTree.fromstring(chart([("A", [3]), ("B", [6])]))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths == [BAR_AREA / 2, BAR_AREA]
    root = ElementTree.fromstring(chart([("A", [Decimal("50.0")])], max_value=100, unit="%"))
    assert [float(r.get("width")) for r in root.iter(f"{SVG}rect")] == [BAR_AREA / 2]
    assert "50,0%" in [t.text for t in root.iter(f"{SVG}text")]


def test_labels_are_escaped():
    svg = chart([('<img src=x onerror="alert(1)">', [1])])
    assert "<img" not in svg
    root = ElementTree.fromstring(svg)
    assert '<img src=x onerror="alert(1)">' in [t.text for t in root.iter(f"{SVG}text")]


def test_several_series_get_a_legend_and_distinct_colours():
    root = ElementTree.fromstring(chart([("SPBE-101", [4, 3, 2, 1])],
                                        names=("Terdaftar", "Mulai", "Selesai", "Sertifikat")))
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert len(fills) == 8  # four legend keys, four bars
    assert len(set(fills[:4])) == 4 and fills[:4] == fills[4:]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:4] == ["Terdaftar", "Mulai", "Selesai", "Sertifikat"]


def test_no_inline_style_and_empty_values_are_a_dash():
    svg = chart([("A", [None]), ("B", [0])])
    assert "style" not in svg
    root = ElementTree.fromstring(svg)
    assert "\u2013" in [t.text for t in root.iter(f"{SVG}text")]
