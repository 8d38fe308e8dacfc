"""The admin home's menu: each package adds its admin pages here at start-up."""

ADMIN_MENU = []


def register_admin_page(endpoint, label, hint=None):
    """Add a link to the admin home (label and hint are lazy_gettext strings)."""
    if all(entry[0] != endpoint for entry in ADMIN_MENU):
        ADMIN_MENU.append((endpoint, label, hint))


def admin_menu():
    return list(ADMIN_MENU)
