"""The signing form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from arena.forms import Form


class SignForm(Form):
    public_consent = BooleanField(
        _l("Vis meg på den offentlige lista over ambassadører (navn, stilling og organisasjon)"),
        default=True,
    )
