"""Initiatives (rule 4): registering, finding, similar ones, updates, following, review nudges."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from arena import text
from arena.access import (
    acts_for_organisation,
    is_signed_in,
    require_verified,
    sees_members_only,
)
from arena.accounts import member_data
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from arena.expertise import services as expertise
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives.models import (
    STATUSES,
    Follow,
    Initiative,
    InitiativeLink,
    InitiativeUpdate,
    OverviewVisit,
    initiative_municipalities,
    initiative_partners,
    initiative_themes,
    initiative_wanted_competence,
)
from arena.mail import send_mail
from arena.organisations import services as organisations
from arena.organisations.models import Municipality, Organisation
from arena.paging import Page
from arena.search import services as search

LIMITS = {"title": 200, "summary": 500, "description": 20_000}
MAX_LINKS = 10
REVIEW_AFTER = timedelta(days=182)
#: Half the words in common, one shared theme, or a shared place plus some words.
SIMILARITY_THRESHOLD = 1.5
FOLLOW_KINDS = ("initiative", "theme", "organisation")


# --- reading ------------------------------------------------------------------------------------


def get_initiative(initiative_id: int, reader=None) -> Initiative:
    """The initiative, if the reader may see it (non-public ones need sign-in)."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None or not can_read(reader, initiative):
        raise NotFound(_("Fant ikke initiativet."))
    return initiative


def can_read(reader, initiative: Initiative) -> bool:
    """Public initiatives are for everyone; the others for verified members."""
    return initiative.is_public or sees_members_only(reader)


def can_edit(actor, initiative: Initiative) -> bool:
    """The contact person, verified members of the lead organisation and admins edit an
    initiative."""
    if not acts_for_organisation(actor):
        return False
    return (
        actor.is_admin
        or actor.id == initiative.contact_id
        or actor.organisation_id == initiative.lead_organisation_id
    )


def _require_edit(actor, initiative: Initiative) -> None:
    if not can_edit(actor, initiative):
        raise PermissionDenied(
            _("Bare kontaktpersonen og organisasjonen som leder initiativet, kan endre det.")
        )


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
        elif len(value) > limit:
            errors[name] = _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
        cleaned[name] = value
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
        if any(len(n.strip()) > expertise.AREA_NAME_MAX for n in getattr(data, name)):
            errors[name] = _("Kan ikke være lengre enn %(n)d tegn.", n=expertise.AREA_NAME_MAX)
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


def _apply(actor, initiative: Initiative, data: InitiativeInput, cleaned: dict) -> None:
    for key, value in cleaned.items():
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
    db.session.add(initiative)
    db.session.flush()
    index_initiative(initiative)
    db.session.commit()
    return initiative


def update_initiative(actor, initiative: Initiative, data: InitiativeInput, version: int) -> None:
    """Saves an edit made on `version`; refuses it when someone else saved in between."""
    _require_edit(actor, initiative)
    if version != initiative.version:
        raise _conflict()
    cleaned = _clean(actor, data)
    _apply(actor, initiative, data, cleaned)
    initiative.updated_at = initiative.reviewed_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise _conflict() from None
    index_initiative(initiative)
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
    _require_edit(actor, initiative)
    search.remove("initiative", initiative.id)
    db.session.execute(
        sa.delete(Follow).filter_by(target_kind="initiative", target_id=initiative.id)
    )
    db.session.delete(initiative)
    db.session.commit()


def post_update(actor, initiative: Initiative, body: str) -> InitiativeUpdate:
    """The contact person or a member of the lead organisation tells how it is going."""
    _require_edit(actor, initiative)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Skriv noe i oppdateringen."), {"body": _("Må fylles ut.")})
    if len(body) > 5000:
        message = _("Kan ikke være lengre enn %(n)d tegn.", n=5000)
        raise ValidationFailed(message, {"body": message})
    now = utcnow()
    update = InitiativeUpdate(initiative=initiative, author_id=actor.id, body=body, created_at=now)
    initiative.updated_at = initiative.reviewed_at = now
    db.session.add(update)
    db.session.commit()
    return update


def confirm_current(actor, initiative: Initiative) -> None:
    """The contact person confirms the initiative is still current (answers the nudge)."""
    _require_edit(actor, initiative)
    initiative.reviewed_at = utcnow()
    db.session.commit()


def index_initiative(initiative: Initiative) -> None:
    theme_names = " ".join(f"{a.name} {a.name_nn} {a.synonyms}" for a in initiative.themes)
    wanted_names = " ".join(f"{a.name} {a.name_nn}" for a in initiative.wanted_competence)
    organisations_text = " ".join(
        o.name for o in [initiative.lead_organisation, *initiative.partners]
    )
    places = " ".join(m.name for m in initiative.municipalities)
    search.index(
        "initiative",
        initiative.id,
        [
            (initiative.title, 3.0),
            (theme_names, 2.5),
            (initiative.summary, 2.0),
            (wanted_names, 1.5),
            (organisations_text, 1.0),
            (places, 1.0),
            (initiative.description, 1.0),
        ],
    )


def reindex_all() -> int:
    """Rebuilds the search index of every initiative."""
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
    db.session.commit()
    return count


# --- listing and searching ---------------------------------------------------------------------


@dataclass
class InitiativeFilter:
    """The filters of the «Hva skjer» list; they live in the URL."""

    query: str = ""
    statuses: list[str] = field(default_factory=list)
    priority_only: bool = False
    theme: ExpertiseArea | None = None
    organisation: Organisation | None = None
    organisation_kind: str | None = None
    municipality: Municipality | None = None
    active_from: date | None = None
    active_to: date | None = None

    @property
    def filters_in_use(self) -> int:
        """How many filters besides the search words narrow the list."""
        single = (self.theme, self.organisation, self.organisation_kind, self.municipality)
        dates = (self.active_from, self.active_to)
        return len(self.statuses) + self.priority_only + sum(v is not None for v in single + dates)


def _conditions(chosen: InitiativeFilter, reader) -> list:
    """WHERE conditions on Initiative for the chosen filters (and what the reader may see)."""
    conditions = []
    if not sees_members_only(reader):
        conditions.append(Initiative.is_public)
    if chosen.statuses:
        conditions.append(Initiative.status.in_(chosen.statuses))
    if chosen.priority_only:
        conditions.append(Initiative.is_priority)
    if chosen.theme is not None:
        conditions.append(
            Initiative.id.in_(
                sa.select(initiative_themes.c.initiative_id).where(
                    initiative_themes.c.area_id == chosen.theme.id
                )
            )
        )
    if chosen.organisation is not None:
        org_id = chosen.organisation.id
        conditions.append(
            sa.or_(
                Initiative.lead_organisation_id == org_id,
                Initiative.id.in_(
                    sa.select(initiative_partners.c.initiative_id).where(
                        initiative_partners.c.organisation_id == org_id
                    )
                ),
            )
        )
    if chosen.organisation_kind:
        conditions.append(
            Initiative.lead_organisation_id.in_(
                sa.select(Organisation.id).where(Organisation.kind == chosen.organisation_kind)
            )
        )
    if chosen.municipality is not None:
        conditions.append(
            Initiative.id.in_(
                sa.select(initiative_municipalities.c.initiative_id).where(
                    initiative_municipalities.c.municipality_id == chosen.municipality.id
                )
            )
        )
    # The period filter keeps initiatives whose period overlaps it (open ends count as open).
    if chosen.active_from is not None:
        conditions.append(
            sa.or_(Initiative.ends_on.is_(None), Initiative.ends_on >= chosen.active_from)
        )
    if chosen.active_to is not None:
        conditions.append(
            sa.or_(Initiative.starts_on.is_(None), Initiative.starts_on <= chosen.active_to)
        )
    return conditions


def list_initiatives(chosen: InitiativeFilter, reader, page: int = 1, per_page: int = 20) -> Page:
    """«Hva skjer»: newest and recently updated first, or best match first when searching."""
    page = max(1, page)
    conditions = _conditions(chosen, reader)
    if chosen.query.strip():
        ranking = search.ranked("initiative", chosen.query)
        if ranking is None:
            return Page([], 0, page, per_page)
        # One ranked pass gives both the count and the page.
        ids = list(
            db.session.scalars(
                sa.select(Initiative.id)
                .join(ranking, ranking.c.object_id == Initiative.id)
                .where(*conditions)
                .order_by(*search.best_first(ranking, Initiative.id))
            )
        )
        chosen_ids = ids[(page - 1) * per_page : page * per_page]
        by_id = _load(chosen_ids)
        return Page([by_id[i] for i in chosen_ids], len(ids), page, per_page)
    total = db.session.scalar(sa.select(sa.func.count(Initiative.id)).where(*conditions))
    statement = (
        sa.select(Initiative)
        .where(*conditions)
        .order_by(Initiative.updated_at.desc(), Initiative.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(
        list(db.session.scalars(statement.options(*_list_options()))), total, page, per_page
    )


def _list_options():
    return (
        selectinload(Initiative.lead_organisation),
        selectinload(Initiative.themes),
        selectinload(Initiative.municipalities),
    )


def _load(ids: list[int]) -> dict[int, Initiative]:
    if not ids:
        return {}
    statement = sa.select(Initiative).where(Initiative.id.in_(ids)).options(*_list_options())
    return {i.id: i for i in db.session.scalars(statement)}


def similar_initiatives(
    title: str,
    summary: str = "",
    theme_ids=(),
    municipality_ids=(),
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Initiative]:
    """Initiatives that look like this one: similar words, the same themes or places."""
    scores: dict[int, float] = {}
    wanted = f"{title} {summary}"
    words = len(text.parse_query(wanted)) or 1
    for hit in search.search("initiative", wanted, limit=200):
        # How much of what was typed the other initiative matches, 0..1, counted up to 4.
        scores[hit.object_id] = 4 * hit.score / (search.TOP_WEIGHT * search.EXACT * words)
    for table, column, ids, weight in (
        (initiative_themes, initiative_themes.c.area_id, theme_ids, 1.5),
        (
            initiative_municipalities,
            initiative_municipalities.c.municipality_id,
            municipality_ids,
            1.0,
        ),
    ):
        if ids:
            rows = db.session.execute(
                sa.select(table.c.initiative_id, sa.func.count())
                .where(column.in_(list(ids)))
                .group_by(table.c.initiative_id)
            )
            for initiative_id, shared in rows:
                scores[initiative_id] = scores.get(initiative_id, 0.0) + weight * shared
    scores.pop(exclude_id, None)
    best = sorted((s, i) for i, s in scores.items() if s >= SIMILARITY_THRESHOLD)[::-1][:limit]
    by_id = _load([i for _s, i in best])
    return [by_id[i] for _s, i in best if i in by_id]


def initiatives_of_organisation(org: Organisation, reader) -> tuple[list, list]:
    """An organisation's priorities and its other initiatives (led or partnered)."""
    conditions = _conditions(InitiativeFilter(organisation=org), reader)
    items = list(
        db.session.scalars(
            sa.select(Initiative)
            .where(*conditions)
            .order_by(Initiative.updated_at.desc())
            .options(*_list_options())
        )
    )
    priorities = [i for i in items if i.is_priority and i.lead_organisation_id == org.id]
    return priorities, [i for i in items if i not in priorities]


def initiatives_with_theme(area: ExpertiseArea, reader, limit: int = 50) -> list[Initiative]:
    return list_initiatives(InitiativeFilter(theme=area), reader, per_page=limit).items


def people_with_competence(initiative: Initiative, limit: int = 5) -> dict[int, list[Member]]:
    """For each wanted field, a few members in other organisations who have it, best first."""
    return {
        area.id: expertise.members_with_area(
            area, exclude_organisation_ids={initiative.lead_organisation_id}, limit=limit
        )
        for area in initiative.wanted_competence
    }


# --- following and the overview -----------------------------------------------------------------


def _target_exists(kind: str, target_id: int) -> bool:
    model = {"initiative": Initiative, "theme": ExpertiseArea, "organisation": Organisation}[kind]
    return db.session.get(model, target_id) is not None


def follow(actor, kind: str, target_id: int) -> None:
    """The member follows an initiative, theme or organisation (again is harmless)."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    if kind not in FOLLOW_KINDS or not _target_exists(kind, target_id):
        raise NotFound(_("Fant ikke det du ville følge."))
    if db.session.get(Follow, (actor.id, kind, target_id)) is None:
        db.session.add(Follow(member_id=actor.id, target_kind=kind, target_id=target_id))
        db.session.commit()


def unfollow(actor, kind: str, target_id: int) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    db.session.execute(
        sa.delete(Follow).filter_by(member_id=actor.id, target_kind=kind, target_id=target_id)
    )
    db.session.commit()


def is_following(member, kind: str, target_id: int) -> bool:
    if not is_signed_in(member):
        return False
    return db.session.get(Follow, (member.id, kind, target_id)) is not None


def followers_of(kind: str, target_id: int) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(Follow, Follow.member_id == Member.id)
            .where(Follow.target_kind == kind, Follow.target_id == target_id)
        )
    )


@dataclass
class Overview:
    initiatives: list[Initiative]
    themes: list[ExpertiseArea]
    organisations: list[Organisation]
    changed: list[Initiative]
    needs_review: list[Initiative]
    since: datetime | None


def overview(actor, seen_before: datetime | None) -> Overview:
    """What the member follows, what changed since their last visit, and what needs their review."""
    follows = db.session.execute(
        sa.select(Follow.target_kind, Follow.target_id).filter_by(member_id=actor.id)
    ).all()
    ids = {kind: {t for k, t in follows if k == kind} for kind in FOLLOW_KINDS}
    initiatives = list(_load(sorted(ids["initiative"])).values())
    themes = list(
        db.session.scalars(
            sa.select(ExpertiseArea)
            .where(ExpertiseArea.id.in_(ids["theme"]))
            .order_by(ExpertiseArea.name)
        )
    )
    orgs = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.id.in_(ids["organisation"]))
            .order_by(Organisation.name)
        )
    )
    relevant = sa.or_(
        Initiative.id.in_(ids["initiative"]),
        Initiative.lead_organisation_id.in_(ids["organisation"]),
        Initiative.id.in_(
            sa.select(initiative_partners.c.initiative_id).where(
                initiative_partners.c.organisation_id.in_(ids["organisation"])
            )
        ),
        Initiative.id.in_(
            sa.select(initiative_themes.c.initiative_id).where(
                initiative_themes.c.area_id.in_(ids["theme"])
            )
        ),
    )
    changed_query = sa.select(Initiative).where(relevant)
    if seen_before is not None:
        changed_query = changed_query.where(Initiative.updated_at > seen_before)
    changed = list(
        db.session.scalars(
            changed_query.order_by(Initiative.updated_at.desc()).limit(50).options(*_list_options())
        )
    )
    return Overview(
        initiatives=sorted(initiatives, key=lambda i: i.updated_at, reverse=True),
        themes=themes,
        organisations=orgs,
        changed=changed,
        needs_review=needing_review(actor),
        since=seen_before,
    )


def record_overview_visit(actor) -> datetime | None:
    """Notes this visit to «My overview»; returns when the member was there before."""
    visit = db.session.get(OverviewVisit, actor.id)
    previous = visit.seen_at if visit else None
    if visit is None:
        visit = OverviewVisit(member_id=actor.id)
        db.session.add(visit)
    visit.seen_at = utcnow()
    db.session.commit()
    return previous


def _stale_before() -> datetime:
    return utcnow() - REVIEW_AFTER


def needing_review(actor) -> list[Initiative]:
    """The member's initiatives nobody has confirmed or updated for six months."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(
                Initiative.contact_id == actor.id,
                Initiative.status.not_in(["completed"]),
                Initiative.reviewed_at < _stale_before(),
            )
            .order_by(Initiative.reviewed_at)
        )
    )


def due_review_reminders() -> list[Initiative]:
    """Stale initiatives whose contact person has not been reminded since they went stale."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(
                Initiative.contact_id.is_not(None),
                Initiative.status.not_in(["completed"]),
                Initiative.reviewed_at < _stale_before(),
                sa.or_(
                    Initiative.review_reminded_at.is_(None),
                    Initiative.review_reminded_at < Initiative.reviewed_at,
                ),
            )
            .order_by(Initiative.id)
        )
    )


def send_review_reminders(link_for) -> int:
    """Emails each contact person whose initiative went stale, once per stale period."""
    sent = 0
    for initiative in due_review_reminders():
        contact = initiative.contact
        with force_locale(contact.preferred_language or "nb"):
            subject = _("Er «%(title)s» fortsatt aktuelt?", title=initiative.title)
            body = render_template(
                "initiatives/email/review_reminder.txt",
                initiative=initiative,
                link=link_for(initiative),
            )
        send_mail(contact.email, subject, body)
        initiative.review_reminded_at = utcnow()
        db.session.commit()
        sent += 1
    return sent


# --- organisation merges ------------------------------------------------------------------------


def move_organisation(source: Organisation, target: Organisation) -> None:
    """Part of merging organisations: initiatives and follows move to the target."""
    db.session.execute(
        sa.update(Initiative)
        .where(Initiative.lead_organisation_id == source.id)
        .values(lead_organisation_id=target.id)
    )
    partnered = set(
        db.session.scalars(
            sa.select(initiative_partners.c.initiative_id).where(
                initiative_partners.c.organisation_id == target.id
            )
        )
    )
    db.session.execute(
        sa.delete(initiative_partners).where(
            initiative_partners.c.organisation_id == source.id,
            initiative_partners.c.initiative_id.in_(partnered),
        )
    )
    db.session.execute(
        sa.update(initiative_partners)
        .where(initiative_partners.c.organisation_id == source.id)
        .values(organisation_id=target.id)
    )
    # A lead organisation is never its own partner.
    db.session.execute(
        sa.delete(initiative_partners).where(
            initiative_partners.c.organisation_id == target.id,
            initiative_partners.c.initiative_id.in_(
                sa.select(Initiative.id).where(Initiative.lead_organisation_id == target.id)
            ),
        )
    )
    already = set(
        db.session.scalars(
            sa.select(Follow.member_id).filter_by(target_kind="organisation", target_id=target.id)
        )
    )
    db.session.execute(
        sa.delete(Follow).where(
            Follow.target_kind == "organisation",
            Follow.target_id == source.id,
            Follow.member_id.in_(already),
        )
    )
    db.session.execute(
        sa.update(Follow)
        .where(Follow.target_kind == "organisation", Follow.target_id == source.id)
        .values(target_id=target.id)
    )


organisations.register_merge_step(move_organisation)


def move_area(source: ExpertiseArea, target: ExpertiseArea) -> None:
    """Part of merging fields of expertise: themes, wanted competence and follows move over."""
    affected = set()
    for table in (initiative_themes, initiative_wanted_competence):
        users = set(
            db.session.scalars(sa.select(table.c.initiative_id).where(table.c.area_id == source.id))
        )
        having_target = set(
            db.session.scalars(sa.select(table.c.initiative_id).where(table.c.area_id == target.id))
        )
        db.session.execute(
            sa.delete(table).where(
                table.c.area_id == source.id, table.c.initiative_id.in_(having_target)
            )
        )
        db.session.execute(
            sa.update(table).where(table.c.area_id == source.id).values(area_id=target.id)
        )
        affected |= users
    already = set(
        db.session.scalars(
            sa.select(Follow.member_id).filter_by(target_kind="theme", target_id=target.id)
        )
    )
    db.session.execute(
        sa.delete(Follow).where(
            Follow.target_kind == "theme",
            Follow.target_id == source.id,
            Follow.member_id.in_(already),
        )
    )
    db.session.execute(
        sa.update(Follow)
        .where(Follow.target_kind == "theme", Follow.target_id == source.id)
        .values(target_id=target.id)
    )
    db.session.expire_all()
    for initiative in _load(sorted(affected)).values():
        index_initiative(initiative)


expertise.register_area_merge_step(move_area)


def export_member_initiatives(member: Member) -> dict:
    """The member's initiatives, updates and follows, for their data export."""
    return {
        "contact_for": [
            i.id for i in db.session.scalars(sa.select(Initiative).filter_by(contact_id=member.id))
        ],
        "updates": [
            {
                "initiative_id": u.initiative_id,
                "body": u.body,
                "created_at": u.created_at.isoformat(),
            }
            for u in db.session.scalars(sa.select(InitiativeUpdate).filter_by(author_id=member.id))
        ],
        "follows": [
            {"kind": f.target_kind, "id": f.target_id}
            for f in db.session.scalars(sa.select(Follow).filter_by(member_id=member.id))
        ],
        "registered": [
            i.id
            for i in db.session.scalars(sa.select(Initiative).filter_by(created_by_id=member.id))
        ],
        "overview_last_seen_at": (
            visit.seen_at.isoformat()
            if (visit := db.session.get(OverviewVisit, member.id)) is not None
            else None
        ),
    }


member_data.register_export_section("initiatives", export_member_initiatives)
