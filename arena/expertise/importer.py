"""Importing an organisation's staff list (CSV) into members and their expertise.

All or nothing: every line is checked first, and nothing is written if any line is wrong.
"""

import csv
import io
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from arena.access import require_admin
from arena.accounts import membership
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.addresses import normalise_email
from arena.expertise import services as expertise
from arena.expertise.models import LEVELS, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.lines import has_line_break
from arena.organisations import services as organisations
from arena.organisations.models import ORGANISATION_KINDS, Organisation

HEADER = [
    "email",
    "name",
    "organisation",
    "organisation_kind",
    "municipality",
    "title",
    "expertise",
    "ask_me_about",
]
MAX_LINES = 20_000


@dataclass
class ImportLine:
    line: int
    email: str
    name: str
    organisation: str
    organisation_kind: str
    municipality: str
    title: str
    expertise: list[tuple[str, int]]
    ask_me_about: str
    #: "create" or "update"
    action: str = "create"


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)
    #: (line number, reason) for every rejected line.
    errors: list[tuple[int, str]] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)
    new_areas: list[str] = field(default_factory=list)
    written: bool = False
    #: What check() found and apply() needs: new organisations and the municipality lookup.
    planned_organisations: dict = field(default_factory=dict, repr=False)
    municipality_lookup: dict = field(default_factory=dict, repr=False)

    @property
    def created(self) -> int:
        return sum(1 for line in self.lines if line.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for line in self.lines if line.action == "update")


def parse_expertise(value: str) -> list[tuple[str, int]]:
    """«Area:level;Area:level» (spaces around separators ignored) as (name, level) pairs."""
    result = []
    for part in (value or "").split(";"):
        if not part.strip():
            continue
        name, sep, level = part.rpartition(":")
        if not sep or not name.strip():
            raise ValueError(
                _("kompetanse må skrives som «Fagområde:nivå», fikk «%(part)s»", part=part.strip())
            )
        level = level.strip()
        if not level.isdigit() or int(level) not in LEVELS:
            raise ValueError(_("nivået for «%(area)s» må være 1, 2 eller 3", area=name.strip()))
        result.append((" ".join(name.split()), int(level)))
    return result


def check(content: bytes) -> ImportReport:
    """Reads and checks every line; writes nothing."""
    report = ImportReport()
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((0, _("Fila er ikke UTF-8. Lagre den som «CSV UTF-8» og prøv igjen.")))
        return report
    rows = list(csv.reader(io.StringIO(decoded)))
    if not rows:
        report.errors.append((0, _("Fila er tom.")))
        return report
    header = [h.strip() for h in rows[0]]
    if header != HEADER:
        report.errors.append((1, _("Overskriften må være: %(header)s", header=",".join(HEADER))))
        return report
    if len(rows) - 1 > MAX_LINES:
        report.errors.append((0, _("Høyst %(n)d linjer om gangen.", n=MAX_LINES)))
        return report
    known_orgs = {o.name.casefold(): o for o in db.session.scalars(sa.select(Organisation))}
    known_orgs |= {o.slug: o for o in known_orgs.values()}
    municipalities = {m.name.casefold(): m for m in organisations.municipalities()}
    municipalities |= {m.number: m for m in municipalities.values()}
    municipalities |= {m.number_2020: m for m in list(municipalities.values()) if m.number_2020}
    existing_emails = set(db.session.scalars(sa.select(Member.email)))
    seen: dict[str, int] = {}
    known_areas = expertise.areas_by_label()
    new_orgs: dict[str, tuple[str, str]] = {}
    new_areas: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            report.errors.append(
                (number, _("Linja har %(n)d felt, men skal ha %(m)d.", n=len(row), m=len(HEADER)))
            )
            continue
        cells = dict(zip(HEADER, (c.strip() for c in row), strict=True))
        problems = []
        email = normalise_email(cells["email"])
        if problem := accounts.email_problem(email):
            problems.append(problem)
        elif email in seen:
            problems.append(_("e-postadressen står også på linje %(n)d", n=seen[email]))
        seen.setdefault(email, number)
        if not cells["name"] or len(cells["name"]) > 120:
            problems.append(_("navn må fylles ut og ha høyst 120 tegn"))
        if len(cells["title"]) > 150 or len(cells["ask_me_about"]) > 2000:
            problems.append(_("stilling eller «spør meg om» er for lang"))
        for column in ("name", "title", "organisation", "municipality"):
            if has_line_break(cells[column]):
                problems.append(_("«%(column)s» har linjeskift", column=column))
        kind = cells["organisation_kind"]
        if kind and kind not in ORGANISATION_KINDS:
            problems.append(_("ukjent type organisasjon «%(kind)s»", kind=kind))
        place = cells["municipality"]
        if place and place.casefold() not in municipalities:
            problems.append(_("ukjent kommune «%(name)s»", name=place))
        org_name = cells["organisation"]
        if not org_name or len(org_name) > 200:
            problems.append(_("organisasjon må fylles ut"))
        elif org_name.casefold() not in known_orgs and org_name.casefold() not in new_orgs:
            if not kind:
                problems.append(
                    _("ny organisasjon «%(name)s» trenger organisation_kind", name=org_name)
                )
            else:
                new_orgs[org_name.casefold()] = (org_name, kind, place)
        try:
            wanted = parse_expertise(cells["expertise"])
        except ValueError as error:
            problems.append(str(error))
            wanted = []
        for area_name, _level in wanted:
            if len(area_name) > 100:
                problems.append(_("fagområdet «%(name)s…» er for langt", name=area_name[:30]))
            elif expertise.find_area_by_name(area_name, known_areas) is None:
                new_areas.setdefault(expertise.name_key(area_name), area_name)
        if problems:
            report.errors.append((number, "; ".join(problems)))
            continue
        report.lines.append(
            ImportLine(
                line=number,
                email=email,
                name=cells["name"],
                organisation=org_name,
                organisation_kind=kind,
                municipality=place,
                title=cells["title"],
                expertise=wanted,
                ask_me_about=cells["ask_me_about"],
                action="update" if email in existing_emails else "create",
            )
        )
    report.new_organisations = sorted(name for name, _kind, _place in new_orgs.values())
    report.new_areas = sorted(new_areas.values())
    report.planned_organisations, report.municipality_lookup = new_orgs, municipalities
    return report


def import_members(actor, content: bytes, dry_run: bool = False) -> ImportReport:
    """Checks the file and, when every line is right and it is not a dry run, writes it all."""
    if actor is not None:
        require_admin(actor)
    report = check(content)
    if report.errors or dry_run:
        return report
    _apply(report)
    db.session.commit()
    report.written = True
    return report


def _apply(report: ImportReport) -> None:
    orgs = {o.name.casefold(): o for o in db.session.scalars(sa.select(Organisation))}
    orgs |= {o.slug: o for o in list(orgs.values())}
    for key, (name, kind, place) in report.planned_organisations.items():
        municipality = report.municipality_lookup.get(place.casefold()) if place else None
        org = Organisation(
            name=name,
            slug=organisations.unique_slug(name),
            kind=kind,
            municipality_id=municipality.id if municipality else None,
            approved=True,
        )
        db.session.add(org)
        db.session.flush()
        orgs[key] = org
    labels = expertise.areas_by_label()

    def area_for(name: str) -> ExpertiseArea:
        """The concept the name means (any label, any language); a truly new name becomes a
        concept proposed for an admin to look at."""
        area = expertise.find_area_by_name(name, labels)
        if area is None:
            area = labels[expertise.name_key(name)] = expertise.propose_area(None, name)
        return area

    members = {
        m.email: m
        for m in db.session.scalars(
            sa.select(Member).where(Member.email.in_([line.email for line in report.lines]))
        )
    }
    existing = {
        (member_id, area_id): level
        for member_id, area_id, level in db.session.execute(
            sa.select(
                MemberExpertise.member_id, MemberExpertise.area_id, MemberExpertise.level
            ).where(MemberExpertise.member_id.in_([m.id for m in members.values()]))
        )
    }
    for line in report.lines:
        member = members.get(line.email)
        org = orgs[line.organisation.casefold()]
        if member is None:
            # No password: the member sets one with «Glemt passordet?».
            member = Member(email=line.email, password_hash="!" + secrets.token_hex(16))
            db.session.add(member)
        member.name = line.name
        membership.vouch_for(member, org)  # an admin's list vouches for the membership
        if line.title:
            member.title = line.title
        if line.ask_me_about:
            member.ask_me_about = line.ask_me_about
        members[line.email] = member
    db.session.flush()
    for line in report.lines:
        member = members[line.email]
        for area_name, level in line.expertise:
            area = area_for(area_name)
            if (member.id, area.id) in existing:
                db.session.execute(
                    sa.update(MemberExpertise)
                    .filter_by(member_id=member.id, area_id=area.id)
                    .values(level=level)
                )
            else:
                db.session.add(MemberExpertise(member_id=member.id, area_id=area.id, level=level))
                existing[(member.id, area.id)] = level
    accounts.profiles_changed(list(members.values()))  # the index, feeds naming them as owner
