"""The signing form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class SignForm(FlaskForm):
    public_consent = BooleanField(
        _l("Vis meg på den offentlige lista over ambassadører (navn, stilling og organisasjon)"),
        default=True,
    )
