"""Forms for initiatives, and reading the list's filters from the URL."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField

from arena.forms import (
    DateInput,
    Form,
    MultiSelect,
    Select,
    choices,
    max_length,
    optional,
    required,
)
from arena.initiatives.listing import InitiativeFilter
from arena.initiatives.models import STATUSES
from arena.initiatives.services import InitiativeInput, parse_links
from arena.organisations.forms import OrganisationsField


def status_labels() -> dict[str, str]:
    return {
        "idea": _l("Idé"),
        "planned": _l("Planlagt"),
        "ongoing": _l("Pågående"),
        "completed": _l("Avsluttet"),
        "paused": _l("Satt på pause"),
    }


def _names(text: str) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


class InitiativeForm(Form):
    title = StringField(_l("Tittel"), validators=[required(), max_length(200)])
    summary = TextAreaField(
        _l("Kort oppsummering"),
        description=_l("Ett eller to avsnitt: hva, for hvem og hvorfor."),
        validators=[required(), max_length(500)],
    )
    description = TextAreaField(
        _l("Beskrivelse"),
        description=_l("Skriv gjerne **fet** eller *kursiv* tekst, lenker og lister med - først."),
        validators=[optional(), max_length(20_000)],
    )
    status = Select(_l("Status"), validators=[required()])
    is_priority = BooleanField(_l("Dette er en prioritering for oss"))
    starts_on = DateInput(
        _l("Start"), description=_l("åååå-mm-dd, valgfritt"), validators=[optional()]
    )
    ends_on = DateInput(
        _l("Slutt"), description=_l("åååå-mm-dd, valgfritt"), validators=[optional()]
    )
    contact_email = EmailField(
        _l("Kontaktperson (e-post)"),
        description=_l("Et medlem av Arena. Står det tomt, er det deg."),
        validators=[optional(), max_length(254)],
    )
    lead_organisation_id = Select(_l("Organisasjon som leder"), coerce=int, validators=[required()])
    partner_ids = OrganisationsField(_l("Samarbeidspartnere"), validators=[optional()])
    theme_ids = MultiSelect(_l("Tema"), validators=[optional()])
    new_themes = StringField(
        _l("Nytt tema"),
        description=_l("Finnes ikke temaet? Skriv det her (flere skilles med komma)."),
        validators=[optional(), max_length(300)],
    )
    wanted_ids = MultiSelect(_l("Kompetanse vi søker"), validators=[optional()])
    new_wanted = StringField(
        _l("Ny kompetanse vi søker"),
        description=_l("Finnes ikke fagområdet? Skriv det her (flere skilles med komma)."),
        validators=[optional(), max_length(300)],
    )
    municipality_ids = MultiSelect(_l("Kommuner det gjelder"), validators=[optional()])
    links = TextAreaField(
        _l("Lenker"),
        description=_l("Én per linje: adressen, og gjerne et mellomrom og en tekst etter."),
        validators=[optional(), max_length(6000)],
    )
    is_public = BooleanField(
        _l("Synlig uten innlogging (kontaktinformasjon vises bare til innloggede)"), default=True
    )
    version = HiddenField()
    #: Set once the member has seen the similar initiatives and still wants to save.
    seen_similar = HiddenField()

    def fill_choices(self, organisations, areas, municipalities, locale: str) -> None:
        labels = status_labels()
        self.status.choices = choices([(s, labels[s]) for s in STATUSES])
        self.lead_organisation_id.choices = choices([(o.id, o.name) for o in organisations])
        self.partner_ids.offer(organisations)
        area_choices = choices([(a.id, a.display_name(locale)) for a in areas])
        self.theme_ids.choices = area_choices
        self.wanted_ids.choices = area_choices
        self.municipality_ids.choices = choices([(m.id, m.name) for m in municipalities])

    def to_input(self) -> InitiativeInput:
        return InitiativeInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            description=self.description.data or "",
            status=self.status.data,
            is_priority=bool(self.is_priority.data),
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            contact_email=self.contact_email.data or "",
            lead_organisation_id=self.lead_organisation_id.data,
            partner_ids=list(self.partner_ids.data or []),
            theme_ids=list(self.theme_ids.data or []),
            wanted_ids=list(self.wanted_ids.data or []),
            municipality_ids=list(self.municipality_ids.data or []),
            new_theme_names=_names(self.new_themes.data),
            new_wanted_names=_names(self.new_wanted.data),
            links=parse_links(self.links.data),
            is_public=bool(self.is_public.data),
        )


class UpdateForm(Form):
    body = TextAreaField(
        _l("Ny oppdatering"),
        description=_l("Hva har skjedd? Du kan skrive **fet** og *kursiv* tekst og lenker."),
        validators=[required(), max_length(5000)],
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filter_from_args(args, lookups) -> tuple[InitiativeFilter, list[str]]:
    """The list's filters from the URL; values that do not exist are left out and named."""
    chosen = InitiativeFilter(query=(args.get("q") or "")[:300])
    ignored: list[str] = []
    for status in args.getlist("status"):
        (chosen.statuses.append if status in STATUSES else ignored.append)(status)
    chosen.priority_only = args.get("priority") == "1"
    for key, attribute in (
        ("theme", "theme"),
        ("organisation", "organisation"),
        ("municipality", "municipality"),
    ):
        value = args.get(key)
        if value:
            found = lookups[key](value)
            if found is None:
                ignored.append(value)
            setattr(chosen, attribute, found)
    kind = args.get("kind")
    if kind:
        if kind in lookups["kinds"]:
            chosen.organisation_kind = kind
        else:
            ignored.append(kind)
    for key, attribute in (("from", "active_from"), ("to", "active_to")):
        value = args.get(key)
        if value:
            parsed = _date(value)
            if parsed is None:
                ignored.append(value)
            setattr(chosen, attribute, parsed)
    return chosen, ignored
