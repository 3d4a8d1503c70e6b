"""Forms for arenas, ownership proposals and meetings."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import NumberRange

from arena.arenas.meetings import MeetingInput
from arena.arenas.models import ARENA_LIMITS, CADENCES, KINDS, MEETING_LIMITS
from arena.arenas.repetitions import Recurrence
from arena.arenas.services import ArenaInput
from arena.forms import DateInput, Form, Select, choices, max_length, optional, required
from arena.organisations.forms import OrganisationsField


def kind_labels() -> dict[str, str]:
    return {
        "network": _l("Nettverk"),
        "forum": _l("Forum"),
        "working_group": _l("Arbeidsgruppe"),
        "conference": _l("Konferanse"),
        "other": _l("Annet"),
    }


def cadence_labels() -> dict[str, str]:
    return {
        "weekly": _l("Hver uke"),
        "biweekly": _l("Annenhver uke"),
        "monthly": _l("Hver måned"),
        "quarterly": _l("Fire ganger i året"),
        "twice_yearly": _l("To ganger i året"),
        "yearly": _l("En gang i året"),
        "as_needed": _l("Ved behov"),
    }


def visibility_labels() -> dict[str, str]:
    return {"public": _l("Åpen for alle"), "members": _l("Bare for innloggede medlemmer")}


def repeat_labels() -> dict[str, str]:
    return {
        "none": _l("Ingen gjentakelse"),
        "weekly": _l("Hver uke på samme ukedag"),
        "biweekly": _l("Annenhver uke"),
        "monthly_nth": _l("Hver måned på samme ukedag (for eksempel første tirsdag)"),
    }


class ArenaForm(Form):
    name = StringField(_l("Navn"), validators=[required(), max_length(ARENA_LIMITS["name"])])
    purpose = TextAreaField(
        _l("Formål"), validators=[optional(), max_length(ARENA_LIMITS["purpose"])]
    )
    kind = Select(_l("Type"), validators=[required()])
    cadence = Select(_l("Hyppighet"), validators=[optional()])
    visibility = Select(_l("Synlighet"), validators=[required()])
    organisation_ids = OrganisationsField(_l("Organisasjoner som deltar"), validators=[optional()])
    owner_email = EmailField(
        _l("Ansvarlig (e-post)"),
        description=_l(
            "Tomt: du blir ansvarlig. Foreslår du en annen, blir hen ansvarlig når hen bekrefter."
        ),
        validators=[optional(), max_length(254)],
    )
    #: Set once the member has seen the similar arenas and still wants to save.
    seen_similar = HiddenField()
    deputy_email = EmailField(
        _l("Stedfortreder (e-post)"),
        description=_l("Valgfritt. Også stedfortrederen må bekrefte."),
        validators=[optional(), max_length(254)],
    )

    def fill_choices(self, organisations) -> None:
        self.kind.choices = choices([(k, kind_labels()[k]) for k in KINDS])
        self.cadence.choices = choices(
            [("", _l("Ikke oppgitt"))] + [(c, cadence_labels()[c]) for c in CADENCES]
        )
        self.visibility.choices = choices(visibility_labels().items())
        self.organisation_ids.offer(organisations)

    def to_input(self) -> ArenaInput:
        return ArenaInput(
            name=self.name.data or "",
            purpose=self.purpose.data or "",
            kind=self.kind.data,
            cadence=self.cadence.data or "",
            visibility=self.visibility.data,
            organisation_ids=list(self.organisation_ids.data or []),
            owner_email=self.owner_email.data or "",
            deputy_email=self.deputy_email.data or "",
        )


class ProposeForm(Form):
    role = Select(_l("Rolle"), validators=[required()])
    email = EmailField(_l("E-post"), validators=[required(), max_length(254)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(
            [("owner", _l("Ny ansvarlig")), ("deputy", _l("Stedfortreder"))]
        )


class MeetingForm(Form):
    title = StringField(_l("Tittel"), validators=[required(), max_length(MEETING_LIMITS["title"])])
    day = DateInput(_l("Dato"), validators=[required()])
    start = TimeField(_l("Starter kl."), validators=[required()])
    end = TimeField(_l("Slutter kl."), validators=[optional()])
    location = StringField(
        _l("Sted"), validators=[optional(), max_length(MEETING_LIMITS["location"])]
    )
    online_url = StringField(
        _l("Lenke til digitalt møte"),
        validators=[optional(), max_length(MEETING_LIMITS["online_url"])],
    )
    description = TextAreaField(
        _l("Beskrivelse"), validators=[optional(), max_length(MEETING_LIMITS["description"])]
    )
    repeat = Select(_l("Gjentakelse"), validators=[required()])
    repeat_until = DateInput(_l("Gjentas til og med"), validators=[optional()])
    repeat_count = IntegerField(
        _l("Eller antall ganger"),
        validators=[optional(), NumberRange(min=1, max=500, message=_l("Mellom 1 og 500."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.repeat.choices = choices(repeat_labels().items())
        for field in (self.start, self.end):
            field.invalid_value_message = _l("Skriv klokkeslettet som tt:mm.")

    def to_input(self) -> MeetingInput:
        starts = datetime.combine(self.day.data, self.start.data)
        ends = datetime.combine(self.day.data, self.end.data) if self.end.data else None
        recurrence = None
        if self.repeat.data != "none":
            recurrence = Recurrence(
                self.repeat.data, until=self.repeat_until.data, count=self.repeat_count.data
            )
        return MeetingInput(
            title=self.title.data or "",
            description=self.description.data or "",
            location=self.location.data or "",
            online_url=self.online_url.data or "",
            starts_at=starts,
            ends_at=ends,
            recurrence=recurrence,
        )


class OccurrenceForm(Form):
    occurrence = HiddenField(validators=[required()])
    action = HiddenField(validators=[required()])
    day = DateInput(_l("Ny dato"), validators=[optional()])
    start = TimeField(_l("Ny starttid"), validators=[optional()])
    end = TimeField(_l("Ny sluttid"), validators=[optional()])
