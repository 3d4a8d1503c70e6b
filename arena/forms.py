"""Shared form helpers: the standard validators and attaching service errors to fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import DateField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Length, Optional

from arena.errors import ValidationFailed


class Form(FlaskForm):
    """Arena's forms carry no token field of their own: CSRFProtect checks the token of every
    POST, which each form posts once, without an id (`csrf_field()`), so a page with eight
    forms has no eight elements with the same id."""

    class Meta:
        csrf = False


def csrf_field() -> Markup:
    """The hidden input that carries this session's CSRF token in a form."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class Select(SelectField):
    """A select list whose "not one of the options" message is in the user's language."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Velg et av alternativene i lista."))
        super().__init__(*args, **kwargs)


class MultiSelect(SelectMultipleField):
    """A set of checkboxes (rendered by the `checkboxes` macro) with our own messages."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Velg bare fra alternativene i lista."))
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("invalid_value_message", _l("Velg bare fra alternativene i lista."))
        super().__init__(*args, **kwargs)


class DateInput(DateField):
    """A date typed or picked as YYYY-MM-DD, with a message in the user's language."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Skriv en gyldig dato (åååå-mm-dd)."))
        super().__init__(*args, **kwargs)


def required():
    return DataRequired(message=_l("Må fylles ut."))


def max_length(n: int):
    return Length(max=n, message=_l("Kan ikke være lengre enn %(max)d tegn."))


def optional():
    return Optional()


def show_service_errors(form: FlaskForm, failure: ValidationFailed) -> None:
    """Puts a service's field errors next to the form's fields (or at the top of the form)."""
    for name, message in failure.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
    if not failure.fields and failure.message:
        form.form_errors.append(failure.message)
