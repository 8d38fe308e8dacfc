"""Small horizontal bar charts as inline SVG, drawn on the server.

No script, no stylesheet, nothing fetched: colours are SVG presentation attributes (fill=),
which the Content-Security-Policy (style-src 'self') allows where style= would be blocked.
Each chart is role="img" with a <title> and <desc>; the table printed next to it carries every
number, so it is the chart's full text equivalent. Every label is data (OPD and course names)
and is escaped.
"""

from markupsafe import Markup, escape

from app.reports.tables import number_text

WIDTH = 640
BAR_AREA = 520  # the longest bar; the rest of the width holds its number
BAR_HEIGHT = 14
BAR_GAP = 3
LABEL_HEIGHT = 18
GROUP_GAP = 10
LEGEND_HEIGHT = 24
TEXT_COLOUR = "#1a1a1a"
# Distinct enough side by side and each dark enough against white (WCAG 3:1 for graphics).
SERIES_COLOURS = ("#1d4e89", "#3b7dd8", "#2e7d32", "#8a5a00")


def _scale(values, max_value):
    top = max_value if max_value is not None else max([v or 0 for v in values] + [0])
    return top or 1


def _legend(series):
    parts, x = [], 0
    for name, colour in series:
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="15" font-size="13" fill="{TEXT_COLOUR}">'
                     f'{escape(name)}</text>')
        x += 24 + 8 * len(str(name))
    return "".join(parts)


def _group(label, values, colours, top, y, unit):
    parts = [f'<text x="0" y="{y + 13}" font-size="13" font-weight="bold" '
             f'fill="{TEXT_COLOUR}">{escape(label)}</text>']
    y += LABEL_HEIGHT
    for value, colour in zip(values, colours, strict=True):
        length = round(BAR_AREA * (value or 0) / top, 1)
        text = number_text(value, None) or "\u2013"
        parts.append(f'<rect x="0" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                     f'fill="{colour}"/>'
                     f'<text x="{length + 6}" y="{y + BAR_HEIGHT - 2}" font-size="12" '
                     f'fill="{TEXT_COLOUR}">{escape(text)}{escape(unit)}</text>')
        y += BAR_HEIGHT + BAR_GAP
    return "".join(parts), y + GROUP_GAP


def bar_chart(chart_id, title, description, groups, series, max_value=None, unit=""):
    """An SVG bar chart: groups are (label, [one value per series]), series (name, colour).

    With one series no legend is drawn (the title names what the bars are)."""
    colours = [colour for _name, colour in series]
    top = _scale([v for _label, values in groups for v in values], max_value)
    y = LEGEND_HEIGHT if len(series) > 1 else 0
    body = [_legend(series)] if len(series) > 1 else []
    for label, values in groups:
        drawn, y = _group(label, values, colours, top, y, unit)
        body.append(drawn)
    height = max(y, 20)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'{"".join(body)}</svg>')


def series(*names):
    """(name, colour) pairs in the standard order of colours."""
    return [(name, SERIES_COLOURS[i % len(SERIES_COLOURS)]) for i, name in enumerate(names)]
