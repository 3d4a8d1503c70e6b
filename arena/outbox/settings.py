"""What each member wants to receive, changed on the profile, in the API or by the one-click
unsubscribe link in an email (RFC 8058)."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from arena.access import require_self
from arena.errors import ValidationFailed
from arena.extensions import db
from arena.outbox import jobs
from arena.outbox.models import CHOICES, DEFAULTS, OPTIONAL_KINDS, NotificationSetting, Recipient


def settings_of(member: Recipient) -> dict[str, str]:
    """Every optional kind with the member's choice, in a fixed order."""
    chosen = dict(
        db.session.execute(
            sa.select(NotificationSetting.kind, NotificationSetting.value).where(
                NotificationSetting.member_id == member.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in OPTIONAL_KINDS}


def choice_of(member: Recipient, kind: str) -> str:
    return settings_of(member)[kind]


def wants(member: Recipient, kind: str) -> bool:
    """Whether an email of this kind goes to the member now (essential kinds always do; a
    kind set to «in the digest» waits for the digest)."""
    if kind not in OPTIONAL_KINDS:
        return True
    return choice_of(member, kind) in ("immediately", "weekly", "on")


def members_choosing(member_ids, kind: str, value: str) -> set[int]:
    """Which of the members chose `value` for the kind (one query for any number)."""
    member_ids = list(member_ids)
    chosen = dict(
        db.session.execute(
            sa.select(NotificationSetting.member_id, NotificationSetting.value).where(
                NotificationSetting.kind == kind, NotificationSetting.member_id.in_(member_ids)
            )
        ).all()
    )
    return {m for m in member_ids if chosen.get(m, DEFAULTS[kind]) == value}


def anyone_chose(member_ids, kind: str, value: str) -> bool:
    """Whether any of the members (a SELECT of ids) chose `value`, which is not the kind's
    default, for the kind: one query, however many they are."""
    if value == DEFAULTS[kind]:
        raise ValueError("members who never chose have the default; ask members_choosing")
    chosen = sa.select(NotificationSetting.member_id).where(
        NotificationSetting.kind == kind,
        NotificationSetting.value == value,
        NotificationSetting.member_id.in_(member_ids),
    )
    return db.session.scalar(chosen.limit(1)) is not None


def change_settings(actor, member: Recipient, changes: dict[str, str]) -> dict[str, str]:
    """Sets the given kinds; an unknown kind or value is refused by name and nothing changes."""
    require_self(actor, member)
    errors = {}
    for kind, value in changes.items():
        if kind not in OPTIONAL_KINDS:
            errors[kind] = _("Ukjent type varsel.")
        elif value not in CHOICES[kind]:
            errors[kind] = _("Velg et av alternativene.")
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    _store(member, changes)
    db.session.commit()
    return settings_of(member)


#: How long a member's choice about invitations must stand before their calendar follows it.
INVITATIONS_SETTLE = timedelta(minutes=5)


def _store(member: Recipient, changes: dict[str, str]) -> None:
    before = settings_of(member)
    for kind, value in changes.items():
        row = db.session.get(NotificationSetting, (member.id, kind))
        if row is None:
            db.session.add(NotificationSetting(member_id=member.id, kind=kind, value=value))
        else:
            row.value = value
    db.session.flush()
    if (
        changes.get("meeting_invitations", before["meeting_invitations"])
        != before["meeting_invitations"]
    ):
        # On: the coming meetings go into their calendar; off: Arena takes out what it put
        # there, as its invitations will no longer keep them right (arena/arenas/invitations.py).
        # Once the choice has settled: on and off again within minutes sends nothing.
        jobs.queue_settled_job(
            "member_invitations", INVITATIONS_SETTLE, member_id=member.id, arena_id=None
        )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(member: Recipient, kind: str) -> str:
    """A signed token for one member and one kind. It does not expire: an old email's link still
    works, and all it can do is turn that kind off."""
    return _serializer().dumps({"m": member.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The member id and optional kind a valid token names; None otherwise."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in OPTIONAL_KINDS:
        return None
    if not isinstance(data.get("m"), int):
        return None
    return data["m"], data["k"]


def unsubscribe(member: Recipient, kind: str) -> None:
    """Turns one kind off for the member a valid unsubscribe link was made for."""
    _store(member, {kind: "off"})
    db.session.commit()


def kind_labels() -> dict[str, tuple[str, str]]:
    """Each kind's name and what it is about, in the current language (pages and emails)."""
    return {
        "digest": (
            _("Ukentlig oppsummering"),
            _(
                "Mandag morgen: nye initiativ i det du følger og kan, møter de neste to ukene og "
                "det som venter på deg. Kommer bare når det er noe nytt."
            ),
        ),
        "initiative_updates": (
            _("Oppdateringer på initiativ du følger"),
            _("Når noen skriver hvordan det går med et initiativ du følger."),
        ),
        "competence_wanted": (
            _("Noen trenger kompetansen din"),
            _(
                "Når et initiativ i en annen organisasjon ønsker et fagområde du kan godt "
                "(nivå 2 eller 3). Høyst tre slike e-poster i uka."
            ),
        ),
        "contact_requests": (
            _("Forespørsler fra kollegaer"),
            _("Når noen i en annen organisasjon vil snakke med deg om det du kan."),
        ),
        "role_proposals": (
            _("Forslag om ansvar for en arena"),
            _("Når noen foreslår deg som ansvarlig eller stedfortreder."),
        ),
        "meeting_changes": (
            _("Endringer i møter snart"),
            _(
                "Når et møte i en arena du følger, blir avlyst eller flyttet mindre enn 48 timer "
                "før det skulle vært."
            ),
        ),
        "review_reminders": (
            _("Påminnelser om å se over"),
            _("Når et initiativ, en arena eller profilen din bør bekreftes som oppdatert."),
        ),
        "meeting_invitations": (
            _("Møteinvitasjoner i kalenderen din"),
            _(
                "Møtene i arenaene du følger eller har ansvar for, som invitasjoner rett inn i "
                "kalenderen din (Outlook, Google, Apple), med endringer og avlysninger med en "
                "gang. Velg enten dette eller abonnementet på kalenderlenken din: har du begge, "
                "ser du hvert møte to ganger i Outlook. Svar som kalenderprogrammet sender, blir "
                "ikke lest: svar «Kommer» eller «Kommer ikke» med lenkene i invitasjonen."
            ),
        ),
    }


def choice_labels() -> dict[str, str]:
    return {
        "immediately": _("Straks"),
        "digest": _("I oppsummeringen"),
        "weekly": _("Ukentlig"),
        "on": _("På"),
        "off": _("Av"),
    }
