"""Signing the declaration, withdrawing, and the public list of ambassadors."""

import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from arena.accounts.models import Member
from arena.dates import to_local, utcnow
from arena.declaration.models import Signature
from arena.errors import PermissionDenied
from arena.extensions import db
from arena.organisations.models import Organisation

MAX_QUERY_LENGTH = 200


def signature_of(member) -> Signature | None:
    """The member's signature, current or withdrawn, if they ever signed."""
    if member is None or not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Signature).filter_by(member_id=member.id))


def is_ambassador(member) -> bool:
    """True while the member's signature stands."""
    signature = signature_of(member)
    return signature is not None and signature.is_current


def sign_declaration(actor, public_consent: bool) -> Signature:
    """The member signs (again); signing twice only updates their consent."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Du må logge inn for å signere."))
    signature = signature_of(actor)
    if signature is None:
        signature = Signature(member_id=actor.id, signed_at=utcnow())
        db.session.add(signature)
    elif not signature.is_current:
        signature.signed_at = utcnow()
        signature.withdrawn_at = None
    signature.public_consent = public_consent
    db.session.commit()
    return signature


def withdraw_signature(actor) -> None:
    """The member withdraws; they leave the public list at once."""
    signature = signature_of(actor)
    if signature is not None and signature.is_current:
        signature.withdrawn_at = utcnow()
        db.session.commit()


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for matching: «Bø» and «bo» meet."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("aa", "a").replace("oe", "o")  # å and ø typed as aa and oe


@dataclass
class AmbassadorFilter:
    query: str = ""
    kind: str | None = None
    municipality_id: int | None = None


def _listed(statement):
    """Current ambassadors who consented to be listed."""
    return (
        statement.join(Signature, Signature.member_id == Member.id)
        .join(Organisation, Member.organisation_id == Organisation.id)
        .where(
            Signature.withdrawn_at.is_(None),
            Signature.public_consent,
            Member.active,
            Member.verified_at.is_not(None),  # shown under their organisation: it must be true
        )
    )


def count_public_ambassadors() -> int:
    """How many the ambassador list shows unfiltered (counted, not loaded)."""
    return db.session.scalar(_listed(sa.select(sa.func.count(Member.id))))


def public_ambassadors(chosen: AmbassadorFilter | None = None) -> list[Member]:
    """Current ambassadors who consented to be listed, optionally filtered and searched."""
    chosen = chosen or AmbassadorFilter()
    statement = (
        _listed(sa.select(Member))
        .options(joinedload(Member.organisation).joinedload(Organisation.municipality))
        .order_by(Organisation.name, Member.name)
    )
    if chosen.kind:
        statement = statement.where(Organisation.kind == chosen.kind)
    if chosen.municipality_id:
        statement = statement.where(Organisation.municipality_id == chosen.municipality_id)
    members = list(db.session.scalars(statement))
    words = _fold(chosen.query[:MAX_QUERY_LENGTH]).split()
    if words:
        members = [m for m in members if all(w in _haystack(m) for w in words)]
    return members


def _haystack(member: Member) -> str:
    org = member.organisation
    place = org.municipality.name if org.municipality else ""
    return _fold(" ".join([member.name, member.title, org.name, place]))


def group_by_organisation(members: list[Member]) -> list[tuple[Organisation, list[Member]]]:
    """Ambassadors grouped under their organisation, in the order given."""
    groups: dict[int, tuple[Organisation, list[Member]]] = {}
    for member in members:
        groups.setdefault(member.organisation_id, (member.organisation, []))[1].append(member)
    return list(groups.values())


def counts_by_kind(members: list[Member]) -> Counter:
    return Counter(m.organisation.kind for m in members)


def counts_by_municipality(members: list[Member]) -> Counter:
    return Counter(m.organisation.municipality.name for m in members if m.organisation.municipality)


def _month_starts(now: datetime, months: int) -> list[datetime]:
    """The first moment of each of the last `months` months, oldest first, in now's timezone."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _step in range(months - 1):
        previous = starts[-1] - timedelta(days=1)
        starts.append(previous.replace(day=1))
    return starts[::-1]


def ambassador_growth(ambassadors: list[Member], months: int = 12) -> list[tuple[datetime, int]]:
    """How many of these ambassadors had signed by the end of each of the last months (month
    start, count): the last count is theirs in all, as the page says."""
    signed = list(
        db.session.scalars(
            sa.select(Signature.signed_at).where(
                Signature.member_id.in_([m.id for m in ambassadors]),
                Signature.withdrawn_at.is_(None),
            )
        )
    )
    starts = _month_starts(to_local(utcnow()), months)
    ends = [*starts[1:], None]
    return [
        (start, sum(1 for t in signed if end is None or t < end))
        for start, end in zip(starts, ends, strict=True)
    ]


def export_signature(member: Member) -> dict | None:
    """The member's signature, for their data export."""
    signature = signature_of(member)
    if signature is None:
        return None
    return {
        "signed_at": signature.signed_at.isoformat(),
        "public_consent": signature.public_consent,
        "withdrawn_at": signature.withdrawn_at.isoformat() if signature.withdrawn_at else None,
    }
