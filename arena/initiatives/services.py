"""Initiatives (rule 4): reading, checking, registering, updating and indexing them."""

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from arena import access
from arena.access import (
    can_read_initiative,
    require_edit_initiative,
    require_verified,
    speaks_for,
)
from arena.accounts import services as accounts
from arena.dates import utcnow
from arena.errors import Conflict, NotFound, ValidationFailed
from arena.expertise import concepts
from arena.expertise import services as expertise
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives import statements
from arena.initiatives.models import (
    LIMITS,
    MAX_LINKS,
    STATUSES,
    Follow,
    Initiative,
    InitiativeLink,
    InitiativeUpdate,
)
from arena.lines import check_length, check_one_line, too_long
from arena.organisations.models import Municipality, Organisation
from arena.outbox import jobs
from arena.search import services as search

# --- reading ------------------------------------------------------------------------------------


@access.reader("initiative_page", "an initiative's page and API answer")
def get_initiative(initiative_id: int, reader=None) -> Initiative:
    """The initiative, if the reader may see it (non-public ones need sign-in)."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None or not can_read_initiative(reader, initiative):
        raise NotFound(_("Fant ikke initiativet."))
    return initiative


# --- validation ---------------------------------------------------------------------------------


@dataclass
class InitiativeInput:
    """What a form or the API says an initiative should be."""

    title: str = ""
    summary: str = ""
    description: str = ""
    status: str = "idea"
    is_priority: bool = False
    starts_on: date | None = None
    ends_on: date | None = None
    contact_email: str = ""
    lead_organisation_id: int | None = None
    partner_ids: list[int] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    wanted_ids: list[int] = field(default_factory=list)
    municipality_ids: list[int] = field(default_factory=list)
    new_theme_names: list[str] = field(default_factory=list)
    new_wanted_names: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    is_public: bool = True


_URL = re.compile(r"https?://[^\s/]+\.[^\s]+$")


def parse_links(lines: str) -> list[tuple[str, str]]:
    """Links written one a line as «URL» or «URL label»."""
    result = []
    for line in (lines or "").splitlines():
        if line.strip():
            url, _sep, label = line.strip().partition(" ")
            result.append((url, label.strip()))
    return result


def _clean(actor, data: InitiativeInput) -> dict:
    """Checks every field; raises ValidationFailed naming each bad one. Writes nothing."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for name, limit in LIMITS.items():
        value = (getattr(data, name) or "").strip()
        if name != "description" and not value:
            errors[name] = _("Må fylles ut.")
        else:
            check_length(errors, name, value, limit)
        cleaned[name] = value
    check_one_line(cleaned, ("title",), errors)
    if data.status not in STATUSES:
        errors["status"] = _("Velg et av alternativene i lista.")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("Sluttdatoen kan ikke være før startdatoen.")

    contact = accounts.find_member_by_email(data.contact_email) if data.contact_email else actor
    if contact is None or not contact.active:
        errors["contact_email"] = _("Fant ingen aktiv medlem med denne e-postadressen.")
    lead = db.session.get(Organisation, data.lead_organisation_id or actor.organisation_id)
    if lead is None or not lead.approved:
        errors["lead_organisation_id"] = _("Velg en organisasjon fra lista.")

    if len(set(data.partner_ids)) != len(data.partner_ids):
        errors["partner_ids"] = _("En samarbeidspartner er valgt to ganger.")
    partners = _existing(Organisation, data.partner_ids, errors, "partner_ids")
    if lead is not None and lead.id in data.partner_ids:
        errors["partner_ids"] = _("Organisasjonen som leder, kan ikke også være samarbeidspartner.")
    themes = _existing(ExpertiseArea, data.theme_ids, errors, "theme_ids")
    wanted = _existing(ExpertiseArea, data.wanted_ids, errors, "wanted_ids")
    places = _existing(Municipality, data.municipality_ids, errors, "municipality_ids")

    links = data.links
    if len(links) > MAX_LINKS:
        errors["links"] = _("Høyst %(n)d lenker.", n=MAX_LINKS)
    elif any(not _URL.match(url) or len(url) > 500 or len(label) > 200 for url, label in links):
        errors["links"] = _("Hver lenke må begynne med https:// (eller http://).")
    for name in ("new_theme_names", "new_wanted_names"):
        longest = max(getattr(data, name), key=lambda n: len(n.strip()), default="")
        check_length(errors, name, longest.strip(), expertise.AREA_NAME_MAX)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    return cleaned | {
        "status": data.status,
        "is_priority": bool(data.is_priority),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "contact": contact,
        "lead_organisation": lead,
        "partners": partners,
        "themes": themes,
        "wanted_competence": wanted,
        "municipalities": places,
        "is_public": bool(data.is_public),
    }


def _existing(model, ids, errors: dict, field_name: str) -> list:
    ids = sorted(set(ids))
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(model).where(model.id.in_(ids))))
    if len(found) != len(ids) or (model is Organisation and not all(o.approved for o in found)):
        errors.setdefault(field_name, _("Velg bare fra alternativene i lista."))
    return found


#: What the form says of organisations: statements.settle decides what of it takes effect.
_ORGANISATIONS_SAY = ("lead_organisation", "partners", "is_priority")


def _apply(actor, initiative: Initiative, data: InitiativeInput, cleaned: dict) -> None:
    for key, value in cleaned.items():
        if key not in _ORGANISATIONS_SAY:
            setattr(initiative, key, value)
    for names, relation in (
        (data.new_theme_names, "themes"),
        (data.new_wanted_names, "wanted_competence"),
    ):
        current = getattr(initiative, relation)
        for name in names:
            if name.strip():
                area = expertise.propose_area(actor, name)
                if area not in current:
                    current.append(area)
    initiative.links = [
        InitiativeLink(position=i, url=url, label=label)
        for i, (url, label) in enumerate(data.links)
    ]


# --- writing ------------------------------------------------------------------------------------


def create_initiative(actor, data: InitiativeInput) -> Initiative:
    """A verified member registers an initiative; they are its contact person unless they name
    another."""
    require_verified(actor)
    cleaned = _clean(actor, data)
    now = utcnow()
    initiative = Initiative(created_by_id=actor.id, created_at=now, updated_at=now, reviewed_at=now)
    _apply(actor, initiative, data, cleaned)
    lead = cleaned["lead_organisation"]
    initiative.lead_organisation = lead if speaks_for(actor, lead) else actor.organisation
    db.session.add(initiative)
    db.session.flush()
    _settle_organisations(actor, initiative, cleaned)
    index_initiative(initiative)
    _ask_for_competence(initiative, set())
    db.session.commit()
    return initiative


def _settle_organisations(actor, initiative: Initiative, cleaned: dict) -> None:
    statements.settle(
        actor,
        initiative,
        cleaned["lead_organisation"],
        cleaned["partners"],
        cleaned["is_priority"],
    )


def organisations_answered(initiative: Initiative) -> None:
    """An organisation accepted or declined what it was asked (statements.answer)."""
    db.session.flush()
    index_initiative(initiative)
    db.session.commit()


def _ask_for_competence(initiative: Initiative, wanted_before: set[int]) -> None:
    """Fields of expertise the initiative now wants and did not: their holders in other
    organisations hear of it (a job: the request stays as fast whoever holds them)."""
    added = {a.id for a in initiative.wanted_competence} - wanted_before
    if added:
        jobs.queue_job("competence_wanted", initiative_id=initiative.id, area_ids=sorted(added))


def update_initiative(actor, initiative: Initiative, data: InitiativeInput, version: int) -> None:
    """Saves an edit made on `version`; refuses it when someone else saved in between."""
    require_edit_initiative(actor, initiative)
    if version != initiative.version:
        raise _conflict()
    cleaned = _clean(actor, data)
    wanted_before = {a.id for a in initiative.wanted_competence}
    _apply(actor, initiative, data, cleaned)
    _settle_organisations(actor, initiative, cleaned)
    initiative.updated_at = initiative.reviewed_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _conflict() from None
    index_initiative(initiative)
    _ask_for_competence(initiative, wanted_before)
    db.session.commit()


def _conflict() -> Conflict:
    return Conflict(
        _(
            "Noen andre har endret initiativet mens du redigerte. Åpne det på nytt og gjør "
            "endringene dine igjen."
        ),
        {"version": _("Utdatert versjon.")},
    )


def delete_initiative(actor, initiative: Initiative) -> None:
    """Removes an initiative with its updates, links and follows."""
    require_edit_initiative(actor, initiative)
    search.remove("initiative", initiative.id)
    db.session.execute(
        sa.delete(Follow).filter_by(target_kind="initiative", target_id=initiative.id)
    )
    db.session.delete(initiative)
    db.session.commit()


def post_update(actor, initiative: Initiative, body: str) -> InitiativeUpdate:
    """The contact person or a member of the lead organisation tells how it is going."""
    require_edit_initiative(actor, initiative)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Skriv noe i oppdateringen."), {"body": _("Må fylles ut.")})
    if message := too_long(body, 5000):
        raise ValidationFailed(message, {"body": message})
    now = utcnow()
    update = InitiativeUpdate(initiative=initiative, author_id=actor.id, body=body, created_at=now)
    initiative.updated_at = initiative.reviewed_at = now
    db.session.add(update)
    db.session.flush()
    jobs.queue_job("initiative_update", update_id=update.id)  # its followers hear of it
    db.session.commit()
    return update


def confirm_current(actor, initiative: Initiative) -> None:
    """The contact person confirms the initiative is still current (answers the nudge)."""
    require_edit_initiative(actor, initiative)
    initiative.reviewed_at = utcnow()
    db.session.commit()


def index_initiative(initiative: Initiative) -> None:
    themes = {concepts.concept_term(a.id) for a in initiative.themes}
    theme_names = concepts.name_terms(initiative.themes)
    wanted = {concepts.concept_term(a.id) for a in initiative.wanted_competence}
    wanted_names = concepts.name_terms(initiative.wanted_competence)
    organisations_text = " ".join(
        o.name for o in [initiative.lead_organisation, *initiative.partners]
    )
    places = " ".join(m.name for m in initiative.municipalities)
    search.index(
        "initiative",
        initiative.id,
        [
            (initiative.title, 3.0),
            (themes, 2.5),
            (theme_names, 2.5),
            (initiative.summary, 2.0),
            (wanted, 1.5),
            (wanted_names, 1.5),
            (organisations_text, 1.0),
            (places, 1.0),
            (initiative.description, 1.0),
        ],
    )


@search.reindexer("initiatives")
def reindex_all() -> int:
    """Rebuilds the search index of every initiative; the caller commits."""
    count = 0
    query = sa.select(Initiative).options(
        selectinload(Initiative.themes),
        selectinload(Initiative.wanted_competence),
        selectinload(Initiative.partners),
        selectinload(Initiative.municipalities),
    )
    for initiative in db.session.scalars(query):
        index_initiative(initiative)
        count += 1
    return count
