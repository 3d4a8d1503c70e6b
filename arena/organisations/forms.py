"""Forms for administering organisations."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField, URLField, ValidationError
from wtforms.widgets import TextArea

from arena.forms import Form, MultiSelect, Select, choices, max_length, optional, required
from arena.organisations import services
from arena.organisations.models import ORGANISATION_KINDS


def kind_labels() -> dict[str, str]:
    """The organisation kinds as the user reads them."""
    return {
        "fylkeskommune": _l("Fylkeskommune"),
        "kommune": _l("Kommune"),
        "statlig": _l("Statlig virksomhet"),
        "akademia": _l("Universitet, høgskole og forskning"),
        "naeringsliv": _l("Næringsliv"),
        "naeringshage": _l("Næringshage og klynge"),
        "interesseorganisasjon": _l("Interesseorganisasjon"),
        "frivillighet": _l("Frivillig organisasjon"),
        "annet": _l("Annet"),
    }


def kind_choices() -> list[tuple[str, str]]:
    labels = kind_labels()
    return [(kind, labels[kind]) for kind in ORGANISATION_KINDS]


class OrganisationForm(Form):
    name = StringField(_l("Navn"), validators=[required(), max_length(200)])
    kind = Select(_l("Type"), validators=[required()])
    municipality_id = Select(_l("Kommune"), validators=[optional()])
    org_number = StringField(
        _l("Organisasjonsnummer"),
        description=_l("9 siffer"),
        validators=[optional(), max_length(11)],
    )
    website = URLField(_l("Nettsted"), validators=[optional(), max_length(300)])
    domains = TextAreaField(
        _l("E-postdomener"),
        description=_l(
            "Ett per linje, for eksempel skien.kommune.no. Den som bekrefter en e-postadresse i "
            "et av dem, blir bekreftet medlem av organisasjonen."
        ),
        validators=[optional(), max_length(5000)],
    )

    sso_tenant_id = StringField(
        _l("Tenant-ID i Microsoft Entra ID"),
        description=_l(
            "Den som logger inn med en konto fra denne tenanten, blir bekreftet medlem av "
            "organisasjonen."
        ),
        validators=[optional(), max_length(64)],
    )
    sso_required = BooleanField(_l("Medlemmene må logge inn med organisasjonens innlogging"))

    def fill_choices(self, municipalities) -> None:
        self.kind.choices = choices([("", _l("Velg type")), *kind_choices()])
        self.municipality_id.choices = choices(
            [("", _l("Ingen / utenfor regionen"))] + [(m.id, m.name) for m in municipalities]
        )

    def to_data(self) -> services.OrganisationInput:
        return services.OrganisationInput(
            name=self.name.data,
            kind=self.kind.data,
            municipality_id=int(self.municipality_id.data) if self.municipality_id.data else None,
            org_number=self.org_number.data or "",
            website=self.website.data or "",
            domains=(self.domains.data or "").splitlines(),
            sso_tenant_id=self.sso_tenant_id.data or "",
            sso_required=bool(self.sso_required.data),
        )


class MergeForm(Form):
    target = Select(
        _l("Slå sammen med"),
        description=_l("Medlemmene flyttes dit, og denne organisasjonen slettes."),
        validators=[required()],
    )


class OrganisationsField(MultiSelect):
    """Organisations ticked in a list of checkboxes or, when there are more than
    `services.MENU_LIMIT` (a Nordic network has thousands), typed by name, one per line. Either
    way its data are their ids."""

    typed = False
    text: str | None = None  # as typed, when posted
    unknown: tuple | list = ()  # typed names that match no organisation
    MAX_TYPED = 10_000

    def offer(self, organisations) -> None:
        """Offers these (id, slug, name) rows; call before validating."""
        if len(organisations) <= services.MENU_LIMIT:
            self.choices = choices([(o.id, o.name) for o in organisations])
            return
        self.typed = True
        self.widget = TextArea()
        self.description = _l("Én per linje, slik navnet står i organisasjonslista.")
        self.text, self.unknown = None, []
        if self.raw_data:  # posted: the ids are read from the names typed
            self.process_errors = []
            self.text = self.raw_data[0][: self.MAX_TYPED + 1]
            self.data, self.unknown = services.find_organisations(self.text.splitlines())

    def pre_validate(self, form) -> None:
        if not self.typed:
            super().pre_validate(form)
        elif len(self.text or "") > self.MAX_TYPED:
            raise ValidationError(_("Kan ikke være lengre enn %(max)d tegn.", max=self.MAX_TYPED))
        elif self.unknown:
            names = ", ".join(f"«{name[:100]}»" for name in self.unknown[:5])
            if len(self.unknown) > 5:
                names += " " + _("og %(n)d andre", n=len(self.unknown) - 5)
            raise ValidationError(
                _(
                    "Fant ingen organisasjon som heter %(names)s. Skriv navnet slik det står i"
                    " organisasjonslista.",
                    names=names,
                )
            )

    def _value(self) -> str:
        """The typed text as posted, or the chosen organisations' names."""
        if self.text is not None:
            return self.text
        return "\n".join(services.organisation_names(list(self.data or [])))
