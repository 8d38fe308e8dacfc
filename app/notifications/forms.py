"""The preferences form: one choice per kind of notification, built for the person's roles."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField

from app.forms import KompetenForm, select_choices
from app.notifications.models import APP, EMAIL, OFF

CHANNEL_CHOICES = select_choices([(APP, _l("Di aplikasi saja")),
                                  (EMAIL, _l("Di aplikasi dan email")), (OFF, _l("Mati"))])


def preferences_form(kinds, current, digest):
    """A form class with a radio field per kind (named after it), filled with `current`."""

    class PreferencesForm(KompetenForm):
        pass

    for kind in kinds:
        setattr(PreferencesForm, f"kind_{kind.name}",
                RadioField(kind.label, choices=CHANNEL_CHOICES, default=current[kind.name]))
    PreferencesForm.digest = BooleanField(
        _l("Kirim email sekali sehari berisi semua pemberitahuan (ringkasan harian), bukan "
           "satu email per pemberitahuan"), default=digest)
    return PreferencesForm()


def chosen_channels(form, kinds):
    return {kind.name: getattr(form, f"kind_{kind.name}").data for kind in kinds}
