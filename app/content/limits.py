"""Size limits for authored text: a module's Markdown, a course's description, a quiz's GIFT.

One limit per kind (settings MODULE_MAX_KB, DESCRIPTION_MAX_KB, GIFT_MAX_KB), the same for a file
in courses/ or quizzes/ and for the browser editor, so a text the editor accepts can be exported
and imported again. A file is measured before it is read: a runaway 50 MB file is refused at
once instead of being parsed and rendered into gigabytes of memory.
"""

from flask import current_app
from flask_babel import gettext as _
from wtforms.validators import ValidationError

from app.templating import number

LIMIT_SETTINGS = {"module": "MODULE_MAX_KB", "description": "DESCRIPTION_MAX_KB",
                  "gift": "GIFT_MAX_KB"}


def limit_kb(kind):
    return current_app.config[LIMIT_SETTINGS[kind]]


def size_problem(size_bytes, kind):
    """None when size_bytes fits the kind's limit; otherwise the message naming both."""
    limit = limit_kb(kind)
    if size_bytes <= limit * 1024:
        return None
    return _("terlalu besar: %(size)s KB, batas %(limit)s KB (pengaturan LMS_%(setting)s)",
             size=number(-(-size_bytes // 1024)), limit=number(limit),
             setting=LIMIT_SETTINGS[kind])


class WithinLimit:
    """A WTForms validator: the text, as the UTF-8 file it becomes, fits the kind's limit."""

    def __init__(self, kind):
        self.kind = kind

    def __call__(self, form, field):
        message = size_problem(len((field.data or "").encode("utf-8")), self.kind)
        if message:
            raise ValidationError(_("Teks %(message)s. Pecah menjadi beberapa bagian.",
                                    message=message))
