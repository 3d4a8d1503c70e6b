"""Realistic demo data for Vestfold og Telemark: organisations and members. Idempotent."""

import random
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from arena.accounts.models import Member
from arena.dates import utcnow
from arena.demo.people import FIRST_NAMES, LAST_NAMES, OTHER_ORGANISATIONS, TITLES
from arena.extensions import db
from arena.organisations.models import Municipality, Organisation, OrganisationDomain
from arena.organisations.services import slugify

DEMO_PASSWORD = "arena-demo-2026"  # noqa: S105 - demo accounts only; refused in production
DEMO_ADMIN_EMAIL = "admin@arena.example"

MEMBER_COUNT = 60


def _organisation(name: str, kind: str, municipality: Municipality | None) -> Organisation:
    slug = slugify(name)
    org = db.session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if org is None:
        org = Organisation(
            name=name, slug=slug, kind=kind, municipality=municipality, approved=True
        )
        db.session.add(org)
    return org


def _choose_contacts(orgs: list[Organisation]) -> None:
    """Each organisation's first member (by address) answers requests to join it."""
    for org in orgs:
        verified = sorted((m for m in org.members if m.is_verified), key=lambda m: m.email)
        if verified and not any(m.is_organisation_contact for m in verified):
            verified[0].is_organisation_contact = True


PRIVATE_EMAIL = "per.privat@gmail.com"


def _ask_to_join_with_a_private_address() -> int:
    """One newcomer with a gmail address waits for Porsgrunn kommune to confirm them."""
    if db.session.scalar(sa.select(Member.id).filter_by(email=PRIVATE_EMAIL)) is not None:
        return 0
    org = db.session.scalar(sa.select(Organisation).filter_by(slug="porsgrunn-kommune"))
    db.session.add(
        Member(
            email=PRIVATE_EMAIL,
            name="Per Privat",
            title="Prosjektmedarbeider",
            organisation=org,
            password_hash=generate_password_hash(DEMO_PASSWORD, method="scrypt"),
            email_confirmed_at=utcnow(),
        )
    )
    return 1


def _sign_declaration_for_some(rng: random.Random) -> None:
    """About 60 % of demo members have signed over the past 18 months; most consent to be listed."""
    from arena.declaration.models import Signature  # the declaration builds on members

    signed = set(db.session.scalars(sa.select(Signature.member_id)))
    now = utcnow()
    verified = sa.select(Member).where(Member.verified_at.is_not(None)).order_by(Member.email)
    for member in db.session.scalars(verified):
        if member.id in signed or rng.random() > 0.6:
            continue
        days_ago = int(540 * rng.random() ** 1.5)  # more signatures lately
        db.session.add(
            Signature(
                member_id=member.id,
                signed_at=now - timedelta(days=days_ago),
                public_consent=rng.random() < 0.85,
            )
        )


def _seed_areas() -> dict:
    """The shipped vocabulary, and the concepts the demo's area names (any label) stand for."""
    from arena.demo.expertise import AREAS
    from arena.expertise import concepts
    from arena.expertise.services import areas_by_label, find_area_by_name

    concepts.load_vocabulary()
    labels = areas_by_label()
    return {name: find_area_by_name(name, labels) for name in AREAS}


def _seed_initiatives(rng: random.Random, areas: dict) -> int:
    """About 40 initiatives across the region, with partners, themes and updates."""
    from arena.demo.initiatives import INITIATIVES, UPDATES
    from arena.initiatives.models import Initiative, InitiativeUpdate, OrganisationProposal
    from arena.initiatives.services import index_initiative

    orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    places = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    titles = set(db.session.scalars(sa.select(Initiative.title)))
    now = utcnow()
    added = 0
    for title, summary, status, priority, lead, themes, wanted, municipalities in INITIATIVES:
        if title in titles:
            continue
        lead_org = orgs[lead]
        staff = sorted((m for m in lead_org.members if m.is_verified), key=lambda m: m.email)
        contact = staff[0] if staff else None
        partners = rng.sample(
            sorted((o for o in orgs.values() if o is not lead_org), key=lambda o: o.name),
            k=rng.randint(0, 3),
        )
        created = now - timedelta(days=rng.randint(20, 400))
        updated = created + (now - created) * rng.random()
        ends = created + timedelta(days=rng.choice([365, 730]))
        initiative = Initiative(
            title=title,
            summary=summary,
            status=status,
            is_priority=priority,
            description="**Mål:** bedre samarbeid på tvers av organisasjonene.",
            lead_organisation=lead_org,
            contact=contact,
            partners=partners,
            themes=[areas[a] for a in themes],
            wanted_competence=[areas[a] for a in wanted],
            municipalities=[places[m] for m in municipalities],
            starts_on=created.date(),
            ends_on=ends.date() if status != "idea" else None,
            created_at=created,
            updated_at=updated,
            reviewed_at=updated,
            created_by_id=getattr(contact, "id", None),
        )
        db.session.add(initiative)
        if added % 6 == 5 and contact is not None:  # some organisations have yet to answer
            candidates = [
                o
                for o in sorted(orgs.values(), key=lambda o: o.name)
                if o is not lead_org and o not in partners and o.approved
            ]
            asked = candidates[added * 7 % len(candidates)]
            initiative.proposals.append(
                OrganisationProposal(
                    organisation=asked, role="partner", proposed_by=contact, created_at=updated
                )
            )
        for body in rng.sample(UPDATES, k=rng.randint(0, 2)):
            posted = created + (updated - created) * rng.random()
            db.session.add(
                InitiativeUpdate(
                    initiative=initiative, author=contact, body=body, created_at=posted
                )
            )
        db.session.flush()
        index_initiative(initiative)
        added += 1
    return added


def _seed_expertise(rng: random.Random, areas: dict) -> None:
    """Gives demo members without expertise 2-4 realistic areas and an «ask me about» text."""
    from arena.demo.expertise import AREAS_BY_KIND, ASK_ME_ABOUT
    from arena.expertise.models import MemberExpertise
    from arena.expertise.services import index_member

    having = set(db.session.scalars(sa.select(MemberExpertise.member_id)))
    verified = sa.select(Member).where(Member.verified_at.is_not(None)).order_by(Member.email)
    for member in db.session.scalars(verified):
        if member.id in having or member.email == DEMO_ADMIN_EMAIL:
            continue
        names = rng.sample(
            AREAS_BY_KIND[member.organisation.kind],
            k=min(rng.randint(2, 4), len(AREAS_BY_KIND[member.organisation.kind])),
        )
        for name in names:
            db.session.add(
                MemberExpertise(
                    member_id=member.id, area_id=areas[name].id, level=rng.choice([1, 2, 2, 3, 3])
                )
            )
        member.ask_me_about = " ".join(ASK_ME_ABOUT[n] for n in names if n in ASK_ME_ABOUT)
        db.session.flush()
        index_member(member)


#: How demo arenas meet, as real ones do: (RRULE, weekday of the first meeting, which one of
#: that weekday in its month, or None for «the next one», and the start time).
DEMO_SERIES = {
    "weekly": ("FREQ=WEEKLY;COUNT=12", 1, None, time(8, 30)),  # Tuesdays
    "biweekly": ("FREQ=WEEKLY;INTERVAL=2;COUNT=10", 1, None, time(9)),  # every second Tuesday
    "monthly": ("FREQ=MONTHLY;BYDAY=1WE;COUNT=10", 2, 1, time(9)),  # first Wednesday
    "quarterly": ("FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH;COUNT=4", 3, 2, time(10)),  # four times a year
}


def _first_meeting(today: date, weekday: int, nth: int | None) -> date:
    """The first meeting after today: the next such weekday, or the nth in its month."""
    if nth is None:
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    month = today.replace(day=1)
    while True:
        day = month + timedelta(days=(weekday - month.weekday()) % 7 + 7 * (nth - 1))
        if day > today:
            return day
        month = (month + timedelta(days=32)).replace(day=1)


def _seed_arenas(rng: random.Random) -> None:
    """The demo arenas, made as members make them (the arena services): the owner registers it
    and proposes a deputy, who accepts; the one without owner was registered by the
    administrator for someone who has not accepted yet. Each meets in a series on the weekday
    such arenas meet."""
    from arena.arenas import meetings, ownership, services
    from arena.arenas.models import Arena
    from arena.demo.arenas import ARENAS

    existing = set(db.session.scalars(sa.select(Arena.name)))
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    admin = db.session.scalar(sa.select(Member).filter_by(email=DEMO_ADMIN_EMAIL))
    today = utcnow().date()
    for name, kind, cadence, visibility, owner_org, members in ARENAS:
        if name in existing:
            continue
        colleague = _deputy_for(orgs, members)  # the deputy, or the owner asked
        if owner_org:
            creator, asked = _verified_staff(orgs[owner_org])[0], {"deputy_email": colleague.email}
        else:
            creator, asked = admin, {"owner_email": colleague.email}
        arena, proposals = services.create_arena(
            creator,
            services.ArenaInput(
                name=name,
                purpose=f"{name} samler {', '.join(members)}.",
                kind=kind,
                cadence=cadence,
                visibility=visibility,
                organisation_ids=[orgs[m].id for m in members],
                **asked,
            ),
        )
        for proposal in proposals:
            if proposal.role == "deputy":
                ownership.accept_proposal(colleague, proposal.id)
        rule, weekday, nth, starts = DEMO_SERIES[cadence]
        first = datetime.combine(_first_meeting(today, weekday, nth), starts)
        meetings.create_meeting(
            creator,
            arena,
            meetings.MeetingInput(
                title=name,
                location=rng.choice(["Rådhuset", "Fylkeshuset", "Kunnskapsparken"]),
                starts_at=first,
                ends_at=first + timedelta(hours=2),
                rrule=rule,
            ),
        )


def _verified_staff(org: Organisation) -> list[Member]:
    return sorted((m for m in org.members if m.is_verified), key=lambda m: m.email)


def _deputy_for(orgs: dict, members: list[str]) -> Member:
    """The deputy: a verified member of the first participating organisation that has one."""
    return next(_verified_staff(orgs[name])[0] for name in members if _verified_staff(orgs[name]))


def _seed_follows() -> None:
    """Demo members follow what a colleague would: the arenas their organisation takes part in,
    their organisation's initiatives, and a theme they know about; so their calendar and
    «Min oversikt» have something to show."""
    from arena.arenas.models import arena_followers, arena_organisations
    from arena.expertise.models import MemberExpertise
    from arena.initiatives.models import Follow, Initiative

    followed_arenas = {tuple(row) for row in db.session.execute(sa.select(arena_followers))}
    follows = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Follow.member_id, Follow.target_kind, Follow.target_id)
        )
    }
    participation = db.session.execute(sa.select(arena_organisations)).all()
    arenas_of_org: dict[int, list[int]] = {}
    for arena_id, org_id in participation:
        arenas_of_org.setdefault(org_id, []).append(arena_id)
    led = db.session.execute(sa.select(Initiative.lead_organisation_id, Initiative.id)).all()
    initiatives_of_org: dict[int, list[int]] = {}
    for org_id, initiative_id in led:
        initiatives_of_org.setdefault(org_id, []).append(initiative_id)
    verified = sa.select(Member).where(Member.verified_at.is_not(None)).order_by(Member.email)
    for member in db.session.scalars(verified):
        if member.email == DEMO_ADMIN_EMAIL:
            continue
        for arena_id in arenas_of_org.get(member.organisation_id, []):
            if (arena_id, member.id) not in followed_arenas:
                db.session.execute(
                    arena_followers.insert().values(arena_id=arena_id, member_id=member.id)
                )
        wanted = [("initiative", i) for i in initiatives_of_org.get(member.organisation_id, [])]
        areas = db.session.scalars(
            sa.select(MemberExpertise.area_id)
            .filter_by(member_id=member.id)
            .order_by(MemberExpertise.area_id)
        ).all()
        wanted += [("theme", a) for a in areas[:1]]
        for kind, target_id in wanted:
            if (member.id, kind, target_id) not in follows:
                db.session.add(Follow(member_id=member.id, target_kind=kind, target_id=target_id))


def seed_demo() -> dict[str, int]:
    """Adds what is missing of the demo organisations and members; changes nothing else."""
    municipalities = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    orgs: list[tuple[Organisation, str]] = []
    for name, municipality in sorted(municipalities.items()):
        orgs.append(
            (
                _organisation(f"{name} kommune", "kommune", municipality),
                f"{slugify(name)}.kommune.no",
            )
        )
    for name, kind, municipality, domain in OTHER_ORGANISATIONS:
        orgs.append((_organisation(name, kind, municipalities.get(municipality)), domain))
    db.session.flush()
    for org, domain in orgs:
        if domain not in org.domain_names:
            org.domains.append(OrganisationDomain(domain=domain))
    now = utcnow()

    rng = random.Random(2026)  # the same people every time
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    existing = set(db.session.scalars(sa.select(Member.email)))
    new_members = 0
    people = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(people)
    for index, (first, last) in enumerate(people[:MEMBER_COUNT]):
        org, domain = orgs[index % len(orgs)]
        email = f"{slugify(first)}.{slugify(last)}@{domain}"
        if email in existing:
            continue
        db.session.add(
            Member(
                email=email,
                name=f"{first} {last}",
                title=rng.choice(TITLES[org.kind]),
                phone=f"+47 {rng.randint(400, 999)} {rng.randint(10, 99)} {rng.randint(100, 999)}",
                organisation=org,
                password_hash=password_hash,
                preferred_language=rng.choice(["nb", "nb", "nn"]),
                email_confirmed_at=now,
                verified_at=now,
                verified_via="domain",
            )
        )
        new_members += 1
    if DEMO_ADMIN_EMAIL not in existing:
        county = orgs[len(municipalities)][0]
        db.session.add(
            Member(
                email=DEMO_ADMIN_EMAIL,
                name="Arena Administrator",
                title="Systemansvarlig",
                organisation=county,
                password_hash=password_hash,
                is_admin=True,
                email_confirmed_at=now,
                verified_at=now,
                verified_via="admin",
            )
        )
        new_members += 1
    db.session.flush()
    _choose_contacts([org for org, _domain in orgs])
    _sign_declaration_for_some(rng)
    areas = _seed_areas()
    _seed_initiatives(rng, areas)
    _seed_expertise(rng, areas)
    _seed_arenas(rng)
    _seed_follows()
    new_members += _ask_to_join_with_a_private_address()
    db.session.commit()
    return {
        "organisations": len(orgs),
        "members": db.session.scalar(sa.select(sa.func.count()).select_from(Member)),
        "new_members": new_members,
    }
