"""Forms for administering organisations."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, URLField

from arena.forms import Select, choices, max_length, optional, required
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


class OrganisationForm(FlaskForm):
    name = StringField(_l("Navn"), validators=[required(), max_length(200)])
    kind = Select(_l("Type"), validators=[required()])
    municipality_id = Select(_l("Kommune"), validators=[optional()])
    org_number = StringField(
        _l("Organisasjonsnummer"),
        description=_l("9 siffer"),
        validators=[optional(), max_length(11)],
    )
    website = URLField(_l("Nettsted"), validators=[optional(), max_length(300)])

    def fill_choices(self, municipalities) -> None:
        self.kind.choices = choices([("", _l("Velg type")), *kind_choices()])
        self.municipality_id.choices = choices(
            [("", _l("Ingen / utenfor regionen"))] + [(m.id, m.name) for m in municipalities]
        )

    def to_data(self) -> dict:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "municipality_id": int(self.municipality_id.data)
            if self.municipality_id.data
            else None,
            "org_number": self.org_number.data,
            "website": self.website.data,
        }


class MergeForm(FlaskForm):
    target = Select(
        _l("Slå sammen med"),
        description=_l("Medlemmene flyttes dit, og denne organisasjonen slettes."),
        validators=[required()],
    )
