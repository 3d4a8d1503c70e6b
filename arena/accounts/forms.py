"""Forms for signing in, registering, resetting passwords, profiles and API tokens."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired

from arena.forms import Form, Select, choices, max_length, optional, required
from arena.organisations.forms import kind_choices

NEW_ORGANISATION = "new"


class LoginForm(Form):
    email = EmailField(_l("E-post"), validators=[required(), max_length(254)])
    password = PasswordField(_l("Passord"), validators=[required(), max_length(200)])
    next = HiddenField()


class RegisterForm(Form):
    email = EmailField(_l("E-post"), validators=[required(), max_length(254)])
    name = StringField(_l("Fullt navn"), validators=[required(), max_length(120)])
    title = StringField(_l("Stilling"), validators=[optional(), max_length(150)])
    organisation_id = Select(
        _l("Organisasjon"),
        description=_l("Finner du ikke organisasjonen din, velg «Ny organisasjon» nederst."),
        validators=[required()],
    )
    new_organisation_name = StringField(
        _l("Navn på ny organisasjon"), validators=[optional(), max_length(200)]
    )
    new_organisation_kind = Select(_l("Type organisasjon"), validators=[optional()])
    new_organisation_municipality_id = Select(_l("Kommune"), validators=[optional()])
    new_organisation_org_number = StringField(
        _l("Organisasjonsnummer"),
        description=_l("9 siffer, valgfritt"),
        validators=[optional(), max_length(11)],
    )

    def fill_choices(self, organisations, municipalities) -> None:
        self.organisation_id.choices = choices(
            [("", _l("Velg organisasjon"))]
            + [(o.id, o.name) for o in organisations]
            + [(NEW_ORGANISATION, _l("Ny organisasjon (ikke i lista)"))]
        )
        self.new_organisation_kind.choices = choices([("", _l("Velg type")), *kind_choices()])
        self.new_organisation_municipality_id.choices = choices(
            [("", _l("Ingen / utenfor regionen"))] + [(m.id, m.name) for m in municipalities]
        )


class MembershipForm(Form):
    """A member not yet verified asks to join an organisation."""

    organisation_id = Select(_l("Organisasjon"), validators=[required()])

    def fill_choices(self, organisations) -> None:
        self.organisation_id.choices = choices(
            [("", _l("Velg organisasjon"))] + [(o.id, o.name) for o in organisations]
        )


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-post"), validators=[required(), max_length(254)])


class ResetPasswordForm(Form):
    """A new password chosen from an emailed link (reset or confirmation)."""

    password = PasswordField(
        _l("Nytt passord"),
        description=_l("Minst 10 tegn. Bruk gjerne en setning du husker."),
        validators=[required(), max_length(200)],
    )
    password_again = PasswordField(
        _l("Gjenta passordet"),
        validators=[required(), EqualTo("password", message=_l("Passordene er ikke like."))],
    )


class ProfileForm(Form):
    name = StringField(_l("Fullt navn"), validators=[required(), max_length(120)])
    title = StringField(_l("Stilling"), validators=[optional(), max_length(150)])
    phone = StringField(_l("Telefon"), validators=[optional(), max_length(40)])
    bio = TextAreaField(
        _l("Om meg"),
        description=_l("Skriv gjerne **fet** eller *kursiv* tekst, lenker og lister med - først."),
        validators=[optional(), max_length(5000)],
    )
    ask_me_about = TextAreaField(
        _l("Spør meg om"),
        description=_l(
            "Hva kan kollegaer i andre organisasjoner spørre deg om? Skriv gjerne noen setninger."
        ),
        validators=[optional(), max_length(2000)],
    )
    preferred_language = Select(
        _l("Foretrukket språk"),
        choices=choices([("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")]),
        validators=[required()],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Nåværende passord"), validators=[required()])
    new_password = PasswordField(
        _l("Nytt passord"), description=_l("Minst 10 tegn."), validators=[required()]
    )


class DeleteAccountForm(Form):
    confirm = BooleanField(
        _l("Jeg forstår at kontoen min slettes for godt."),
        validators=[InputRequired(message=_l("Kryss av for å bekrefte."))],
    )
    password = PasswordField(_l("Passord"), validators=[required()])


class TokenForm(Form):
    name = StringField(
        _l("Navn på nøkkelen"),
        description=_l("For eksempel «Power BI» eller «intranettet vårt»."),
        validators=[required(), max_length(100)],
    )


class SsoFinishForm(Form):
    """A newcomer who signed in with an organisation's account chooses their organisation."""

    name = StringField(_l("Fullt navn"), validators=[required(), max_length(120)])
    title = StringField(_l("Stilling"), validators=[optional(), max_length(150)])
    organisation_id = Select(_l("Organisasjon"), validators=[required()])

    def fill_choices(self, organisations) -> None:
        self.organisation_id.choices = choices(
            [("", _l("Velg organisasjon"))] + [(o.id, o.name) for o in organisations]
        )
