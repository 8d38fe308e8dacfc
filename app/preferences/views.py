"""POST-only switches: kept on the account when logged in, and in a cookie for this browser
(anonymous visitors, and the pages seen after logging out). Both go back to the page they were
pressed on: the form's `next` if a client sends one, else the Referer; only same-site paths
are followed. (The page does not echo its own address into the form: a page that must not
repeat what was typed in its URL, such as an unknown certificate code, stays that way.)"""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.i18n import LANGUAGE_COOKIE, LARGE_TEXT_COOKIE, remember_preference
from app.preferences.forms import LanguageForm, LargeTextForm
from app.web import is_safe_next

bp = Blueprint("preferences", __name__)


def _referring_path():
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return f"{referrer.path}?{referrer.query}" if referrer.query else referrer.path


def _back():
    for target in (request.form.get("next"), _referring_path()):
        if is_safe_next(target):
            return redirect(target)
    return redirect(url_for("courses.catalogue"))


def _save(form, attribute, value, cookie):
    """Store one preference on the account (if any) and in this browser, then go back."""
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        setattr(current_user, attribute, value)
        db.session.commit()
    return remember_preference(_back(), cookie, form[attribute].data)


@bp.route("/preferensi/bahasa", methods=["POST"])
def set_language():
    form = LanguageForm()
    return _save(form, "language", form.language.data, LANGUAGE_COOKIE)


@bp.route("/preferensi/teks-besar", methods=["POST"])
def set_large_text():
    form = LargeTextForm()
    return _save(form, "large_text", form.large_text.data == "1", LARGE_TEXT_COOKIE)
