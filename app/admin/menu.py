"""The admin home: each package adds its admin pages and its "needs doing" counts here at
start-up, so the admin package never imports the packages it lists."""

from dataclasses import dataclass

from app.hooks import Hook

ADMIN_MENU = []
# Functions () -> AdminCount or None (nothing to say): what waits for an admin, with the page
# where it is done. One or two queries each, whatever the data.
ADMIN_COUNTS = Hook()
register_admin_count = ADMIN_COUNTS.register


@dataclass(frozen=True)
class AdminCount:
    label: str  # "Sertifikat menunggu terbit"
    count: int
    url: str
    urgent: bool = False  # a failure to look at (red), not just work waiting


# Functions (user) -> Markup or None: a person's admin page shows what each package knows of
# them (enrolments and JP, certificates, quiz attempts), a bounded number of queries each.
PERSON_SECTIONS = Hook()
register_person_section = PERSON_SECTIONS.register


def person_sections(user):
    return [html for html in (section(user) for section in PERSON_SECTIONS) if html]


def register_admin_page(endpoint, label, hint=None):
    """Add a link to the admin home (label and hint are lazy_gettext strings)."""
    if all(entry[0] != endpoint for entry in ADMIN_MENU):
        ADMIN_MENU.append((endpoint, label, hint))


def admin_menu():
    return list(ADMIN_MENU)


def admin_counts():
    """The admin home's counts, in registration order, the empty ones left out."""
    counts = (count() for count in ADMIN_COUNTS)
    return [count for count in counts if count is not None and count.count]
