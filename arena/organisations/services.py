"""Organisations: listing, proposing, approving, editing and merging."""

import re
import unicodedata
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _

from arena import lifecycle
from arena.access import require_admin
from arena.addresses import is_public_email_domain, mixes_scripts, normalise_domain
from arena.errors import NotFound, ValidationFailed
from arena.extensions import db
from arena.lines import check_one_line
from arena.organisations.models import (
    ORGANISATION_KINDS,
    Municipality,
    Organisation,
    OrganisationDomain,
)

_ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def slugify(text: str) -> str:
    """A URL name: lower case ASCII words joined by hyphens (Tønsberg -> tonsberg)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:200] or "org"


def is_valid_org_number(number: str) -> bool:
    """True for a 9-digit Norwegian organisation number with a correct modulus-11 check digit."""
    if not re.fullmatch(r"\d{9}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], _ORG_NUMBER_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[8])


def municipalities() -> list[Municipality]:
    """All municipalities of the region, by name."""
    return list(db.session.scalars(sa.select(Municipality).order_by(Municipality.name)))


def get_organisation(slug: str, include_pending: bool = False) -> Organisation:
    """The organisation with this URL name, or NotFound."""
    org = db.session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if org is None or (not org.approved and not include_pending):
        raise NotFound(_("Fant ikke organisasjonen."))
    return org


def find_organisation(name_or_slug: str) -> Organisation | None:
    """An approved organisation by exact slug or case-insensitive name."""
    ids, _unknown = find_organisations([name_or_slug or ""])
    return db.session.get(Organisation, ids[0]) if ids else None


def find_organisations(names: list[str]) -> tuple[list[int], list[str]]:
    """The ids of the approved organisations with these names (any case) or URL names, once each
    in the order given, and the names that match none."""
    wanted = [name.strip() for name in names if name.strip()]
    if not wanted:
        return [], []
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.slug, Organisation.name).where(
            Organisation.approved,
            sa.or_(
                Organisation.slug.in_(wanted),
                sa.func.lower(Organisation.name).in_([name.lower() for name in wanted]),
            ),
        )
    ).all()
    by_key = {slug: org_id for org_id, slug, _name in rows}
    by_key |= {name.lower(): org_id for org_id, _slug, name in rows}
    ids, unknown = [], []
    for name in wanted:
        org_id = by_key.get(name) or by_key.get(name.lower())
        if org_id is None:
            unknown.append(name)
        elif org_id not in ids:
            ids.append(org_id)
    return ids, unknown


def organisation_names(ids: list[int]) -> list[str]:
    """The names of these organisations that are approved, in the order given."""
    names = dict(
        db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(ids), Organisation.approved
            )
        ).all()
    )
    return [names[org_id] for org_id in ids if org_id in names]


def list_organisations(
    kind: str | None = None, municipality_id: int | None = None, approved: bool = True
) -> list[Organisation]:
    """Organisations by name, optionally of one kind or municipality."""
    query = sa.select(Organisation).filter_by(approved=approved).order_by(Organisation.name)
    if kind:
        query = query.filter_by(kind=kind)
    if municipality_id:
        query = query.filter_by(municipality_id=municipality_id)
    return list(db.session.scalars(query))


def count_organisations() -> int:
    """How many organisations the network's list shows (approved ones)."""
    return db.session.scalar(sa.select(sa.func.count(Organisation.id)).filter_by(approved=True))


def organisation_choices(limit: int | None = None) -> list:
    """Approved organisations' id, slug and name by name, for menus: plain rows, as a Nordic
    network has thousands."""
    return db.session.execute(
        sa.select(Organisation.id, Organisation.slug, Organisation.name)
        .filter_by(approved=True)
        .order_by(Organisation.name)
        .limit(limit)
    ).all()


#: Above this many organisations a filter or a form field is a text field (name or URL name),
#: not a menu or a list of checkboxes.
MENU_LIMIT = 300


def organisation_menu() -> list | None:
    """The organisations for a filter menu, or None when there are too many to pick from in
    one."""
    rows = organisation_choices(limit=MENU_LIMIT + 1)
    return rows if len(rows) <= MENU_LIMIT else None


@dataclass
class OrganisationInput:
    """What a form says an organisation should be; `domains` None leaves them as they are."""

    name: str = ""
    kind: str = ""
    municipality_id: int | None = None
    org_number: str = ""
    website: str = ""
    domains: list[str] | None = None
    #: The Entra ID tenant ("" none); None leaves it as it is, as does sso_required None.
    sso_tenant_id: str | None = None
    sso_required: bool | None = None


def _clean(data: OrganisationInput, current: Organisation | None = None) -> dict:
    """Checks organisation fields; raises ValidationFailed naming each bad field."""
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    check_one_line({"name": name}, ("name",), errors)
    if not name:
        errors["name"] = _("Navn må fylles ut.")
    elif len(name) > 200:
        errors["name"] = _("Navnet kan ikke være lengre enn %(n)d tegn.", n=200)
    else:
        clash = db.session.scalar(
            sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower())
        )
        if clash is not None and clash is not current:
            errors["name"] = _("Det finnes allerede en organisasjon med dette navnet.")
    kind = data.kind or ""
    if kind not in ORGANISATION_KINDS:
        errors["kind"] = _("Velg en gyldig type organisasjon.")
    municipality_id = data.municipality_id or None
    if municipality_id is not None and db.session.get(Municipality, municipality_id) is None:
        errors["municipality_id"] = _("Velg en kommune fra lista.")
    org_number = re.sub(r"\s", "", data.org_number or "") or None
    if org_number is not None:
        if not is_valid_org_number(org_number):
            errors["org_number"] = _(
                "Organisasjonsnummeret må ha 9 siffer og et gyldig kontrollsiffer."
            )
        else:
            clash = db.session.scalar(sa.select(Organisation).filter_by(org_number=org_number))
            if clash is not None and clash is not current:
                errors["org_number"] = _("Organisasjonsnummeret er allerede registrert.")
    website = (data.website or "").strip() or None
    if website is not None and (
        not re.match(r"https?://[^\s/]+\.[^\s]+$", website) or len(website) > 300
    ):
        errors["website"] = _("Nettstedet må være en adresse som begynner med https://.")
    domains = None if data.domains is None else _clean_domains(data.domains, current, errors)
    sign_in = {}
    if data.sso_tenant_id is not None:
        sign_in["sso_tenant_id"] = _clean_tenant(data.sso_tenant_id, current, errors)
    if data.sso_required is not None:
        sign_in["sso_required"] = bool(data.sso_required)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    return {
        "name": name,
        "kind": kind,
        "municipality_id": municipality_id,
        "org_number": org_number,
        "website": website,
        "domains": domains,
    } | sign_in


def _clean_tenant(typed: str, current: Organisation | None, errors: dict) -> str | None:
    """An Entra ID tenant id (a GUID, or another provider's tenant name): one organisation's."""
    tenant = typed.strip().lower() or None
    if tenant is None:
        return None
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,63}", tenant):
        errors["sso_tenant_id"] = _(
            "Tenant-ID-en kan bare ha bokstaver, tall, punktum og bindestrek."
        )
        return None
    owner = db.session.scalar(sa.select(Organisation).filter_by(sso_tenant_id=tenant))
    if owner is not None and owner is not current:
        errors["sso_tenant_id"] = _(
            "Tenant-ID-en hører allerede til %(organisation)s.", organisation=owner.name
        )
    return tenant


# --- email domains ------------------------------------------------------------------------------

_DOMAIN = re.compile(r"(?=.{4,253}$)([^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}")
MAX_DOMAINS = 20


def _clean_domains(typed: list[str], current: Organisation | None, errors: dict) -> list[str]:
    """The organisation's email domains, each checked; what is wrong goes into `errors`."""
    domains = sorted({normalise_domain(d) for d in typed if d.strip()})
    problems = []
    for domain in domains:
        if not _DOMAIN.fullmatch(domain):
            problems.append(
                _("«%(domain)s» er ikke et domene, som skien.kommune.no.", domain=domain)
            )
        elif mixes_scripts(domain):
            problems.append(
                _(
                    "«%(domain)s» blander bokstaver fra ulike alfabet, som en etterligning av et "
                    "annet domene.",
                    domain=domain,
                )
            )
        elif is_public_email_domain(domain):
            problems.append(
                _(
                    "Alle kan få en adresse på «%(domain)s», så den kan ikke høre til én "
                    "organisasjon.",
                    domain=domain,
                )
            )
        elif (owner := organisation_for_domain(domain)) is not None and owner is not current:
            problems.append(
                _("«%(domain)s» hører allerede til %(name)s.", domain=domain, name=owner.name)
            )
    if len(domains) > MAX_DOMAINS:
        problems.append(_("Høyst %(n)d domener per organisasjon.", n=MAX_DOMAINS))
    if problems:
        errors["domains"] = " ".join(problems)
    return domains


def organisation_for_domain(domain: str) -> Organisation | None:
    """The organisation an email domain belongs to, if any."""
    return db.session.scalar(
        sa.select(Organisation)
        .join(OrganisationDomain, OrganisationDomain.organisation_id == Organisation.id)
        .where(OrganisationDomain.domain == normalise_domain(domain))
    )


def _set_domains(org: Organisation, domains: list[str]) -> None:
    """Keeps the rows of domains that stay, so a domain never clashes with itself."""
    kept = [d for d in org.domains if d.domain in domains]
    known = {d.domain for d in kept}
    org.domains = kept + [OrganisationDomain(domain=d) for d in domains if d not in known]
    db.session.flush()


def unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(sa.select(Organisation.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def propose_organisation(data: OrganisationInput) -> Organisation:
    """A new organisation named by a registering member; it waits for approval."""
    fields = _clean(replace(data, domains=None))  # admins vouch for domains
    fields.pop("domains")
    org = Organisation(slug=unique_slug(fields["name"]), approved=False, **fields)
    db.session.add(org)
    return org


def create_organisation(actor, data: OrganisationInput) -> Organisation:
    """An admin adds an approved organisation."""
    require_admin(actor)
    fields = _clean(data)
    domains = fields.pop("domains") or []
    org = Organisation(slug=unique_slug(fields["name"]), approved=True, **fields)
    db.session.add(org)
    _set_domains(org, domains)
    lifecycle.announce("organisation", "changed", org)
    db.session.commit()
    return org


def update_organisation(actor, org: Organisation, data: OrganisationInput) -> Organisation:
    """An admin corrects an organisation's details."""
    require_admin(actor)
    fields = _clean(data, current=org)
    if (domains := fields.pop("domains")) is not None:
        _set_domains(org, domains)
    for key, value in fields.items():
        setattr(org, key, value)
    lifecycle.announce("organisation", "changed", org)  # names in feeds and search, domains
    db.session.commit()
    return org


def approve_organisation(actor, org: Organisation) -> Organisation:
    """An admin accepts a proposed organisation, so everyone sees it."""
    require_admin(actor)
    org.approved = True
    db.session.commit()
    return org


def merge_organisations(actor, source: Organisation, target: Organisation) -> Organisation:
    """An admin folds a duplicate into the right organisation: members and all else move over."""
    require_admin(actor)
    if source.id == target.id:
        raise ValidationFailed(
            _("En organisasjon kan ikke slås sammen med seg selv."),
            {"target": _("Velg en annen organisasjon.")},
        )
    lifecycle.announce("organisation", "merged", source, target)
    db.session.expire_all()  # the steps moved rows behind the loaded relationships
    if target.org_number is None and source.org_number is not None:
        number, source.org_number = source.org_number, None
        db.session.flush()
        target.org_number = number
    # The duplicate's sign-in settings are the same organisation's: keep them.
    if target.sso_tenant_id is None and source.sso_tenant_id is not None:
        tenant, source.sso_tenant_id = source.sso_tenant_id, None
        db.session.flush()
        target.sso_tenant_id = tenant
    target.sso_required = target.sso_required or source.sso_required
    db.session.delete(source)
    db.session.commit()
    return target


def member_counts() -> dict[int, int]:
    """How many active, verified members each organisation has, by organisation id. Members
    point at organisations from the accounts area above this one: counting them needs only
    their table."""
    members = db.metadata.tables["members"]
    rows = db.session.execute(
        sa.select(members.c.organisation_id, sa.func.count())
        .where(members.c.active, members.c.verified_at.is_not(None))
        .group_by(members.c.organisation_id)
    )
    return dict(rows.all())
