"""Who may do what, in one place: services raise PermissionDenied through these checks, views and
templates ask the same questions to show only what a person may use.

Each rule of who may see what is written once and answers both for one thing (a Python value)
and for many (a SQL expression over the model or an alias of it), so a page, a feed, an email
and the digest cannot disagree. The places that read for a person register themselves
(`reader`); tests/test_access_readers.py checks every registered reader against a matrix of
readers, visibilities and a change of visibility, by what each reader gets."""

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from arena.errors import PermissionDenied


def is_signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def acts_for_organisation(person) -> bool:
    """A verified member (or an admin) may act for their organisation: edit its initiatives,
    hold its arenas, see members-only arenas and colleagues' contact details. Anyone can claim
    an organisation when registering; only verification makes it true."""
    return is_signed_in(person) and (person.is_admin or person.is_verified)


def speaks_for(person, organisation) -> bool:
    """Whether what the person says counts as the organisation's (that it leads or takes part
    in an initiative, that the initiative is its priority): a verified member of it, or an
    admin."""
    return acts_for_organisation(person) and (
        person.is_admin or person.organisation_id == organisation.id
    )


def sees_members_only(person) -> bool:
    """Members-only arenas and initiatives are for verified members."""
    return acts_for_organisation(person)


def sees_members_only_sql(members):
    """sees_members_only as SQL over the members table (`members`: the Member model or an alias
    of it), for the places that pick many readers in one query: emails, the digest."""
    return sa.or_(members.is_admin.is_(True), members.verified_at.is_not(None))


def public_or_members(reader, is_public):
    """The rule for arenas (and so their meetings) and initiatives: what is public is for
    everyone, the rest for verified members. `is_public` is one subject's value (the answer is
    a bool) or a SQL expression over many (the answer is a condition)."""
    if not sees_members_only(reader):
        return is_public
    return True if isinstance(is_public, bool) else sa.true()


def readers_of_sql(is_public: bool, members):
    """The same rule the other way round: which of many members (SQL over the members table)
    may see one subject."""
    return sa.true() if is_public else sees_members_only_sql(members)


#: Every place that reads arenas, meetings or initiatives for a person, by name: what it shows.
READERS: dict[str, str] = {}


def reader(name: str, shows: str) -> Callable:
    """Decorator: registers a function as a place that reads for a person (tests walk them)."""

    def register(function: Callable) -> Callable:
        if name in READERS:
            raise ValueError(f"reader {name} registered twice")
        READERS[name] = shows
        return function

    return register


def sees_contact_details(viewer, member) -> bool:
    """A member's email address and phone are for verified members (and the member)."""
    return is_signed_in(viewer) and (viewer.id == member.id or acts_for_organisation(viewer))


def require_signed_in(person) -> None:
    if not is_signed_in(person):
        raise PermissionDenied(_("Du må logge inn for å gjøre dette."))


def require_verified(person) -> None:
    """Only members whose organisation is verified may go on."""
    require_signed_in(person)
    if not acts_for_organisation(person):
        raise PermissionDenied(
            _(
                "Dette kan du gjøre når det er bekreftet at du hører til organisasjonen din. "
                "Se «Medlemskap» på profilen din."
            )
        )


def require_admin(actor) -> None:
    """Only administrators may go on."""
    if not is_signed_in(actor) or not actor.is_admin:
        raise PermissionDenied(_("Bare administratorer kan gjøre dette."))


def require_self(actor, member) -> None:
    """Only the member themselves may go on."""
    if not is_signed_in(actor) or actor.id != member.id:
        raise PermissionDenied(_("Du kan bare endre din egen konto."))


# --- arenas (rule 10) ----------------------------------------------------------------------------


def can_see_arena(reader, arena) -> bool:
    """Members-only arenas are for verified members; public ones for everyone."""
    return public_or_members(reader, arena.is_public)


def arenas_seen_sql(reader, arenas):
    """can_see_arena as SQL over the arenas table (the Arena model or an alias)."""
    return public_or_members(reader, arenas.is_public)


def readers_of_arena_sql(arena, members):
    """can_see_arena as SQL over the members table: who among many may see this arena."""
    return readers_of_sql(arena.is_public, members)


def can_manage_arena(actor, arena) -> bool:
    """The owner, the deputy and admins edit an arena and its meetings."""
    if not acts_for_organisation(actor):
        return False
    return actor.is_admin or actor in (arena.owner, arena.deputy)


def require_manage_arena(actor, arena) -> None:
    if not can_manage_arena(actor, arena):
        raise PermissionDenied(
            _("Bare den ansvarlige, stedfortrederen og administratorer kan endre arenaen.")
        )


def can_take_responsibility(actor, arena) -> bool:
    """Verified members of a participating organisation (and admins) may take an arena without
    owner."""
    return (
        acts_for_organisation(actor)
        and arena.is_orphaned
        and (actor.is_admin or actor.organisation_id in {o.id for o in arena.organisations})
    )


# --- fields of expertise (rule 8) ----------------------------------------------------------------


def can_see_area(reader, area) -> bool:
    """A field of expertise an admin approved is for everyone; one somebody proposed waits for
    approval, seen meanwhile by its proposer and admins (the finder still finds members by the
    words they typed)."""
    if area.approved:
        return True
    return is_signed_in(reader) and (reader.is_admin or reader.id == area.proposed_by_id)


# --- initiatives (rule 4) ------------------------------------------------------------------------


def can_read_initiative(reader, initiative) -> bool:
    """Public initiatives are for everyone; the others for verified members."""
    return public_or_members(reader, initiative.is_public)


def initiatives_seen_sql(reader, initiatives):
    """can_read_initiative as SQL over the initiatives table (the model or an alias)."""
    return public_or_members(reader, initiatives.is_public)


def can_edit_initiative(actor, initiative) -> bool:
    """The contact person, verified members of the lead organisation and admins edit an
    initiative."""
    if not acts_for_organisation(actor):
        return False
    return (
        actor.is_admin
        or actor.id == initiative.contact_id
        or actor.organisation_id == initiative.lead_organisation_id
    )


def require_edit_initiative(actor, initiative) -> None:
    if not can_edit_initiative(actor, initiative):
        raise PermissionDenied(
            _("Bare kontaktpersonen og organisasjonen som leder initiativet, kan endre det.")
        )
