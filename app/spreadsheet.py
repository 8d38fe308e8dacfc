"""What every CSV written for spreadsheet programs shares (reports, import templates, the
one-time password list)."""

# A text cell starting with one of these is run as a formula by spreadsheet programs
# (CSV injection); a leading apostrophe makes Excel and LibreOffice show it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """The text as a spreadsheet will show it, never as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
