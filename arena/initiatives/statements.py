"""What an initiative says about organisations (rule 4) is those organisations' own word: an
organisation leads an initiative, takes part in it, or calls it its priority only when one of its
verified members (or an admin) said so. Naming an organisation one does not speak for asks it: a
proposal its verified members see on the initiative and the front page, and its contacts get by
email; until one of them accepts, pages say «foreslått» and counts, filters, the map and the API
leave it out (they read only the lead, the partners and the priority flag, never proposals)."""

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from arena.access import is_signed_in, speaks_for
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied
from arena.extensions import db
from arena.initiatives.models import Initiative, OrganisationProposal
from arena.links import absolute_url
from arena.organisations.models import Organisation
from arena.outbox.messages import language_of, queue_email

#: How many of an organisation's verified members hear of a proposal when it has no contact.
MAX_ASKED = 10


def settle(actor, initiative: Initiative, lead: Organisation, partners, priority: bool) -> None:
    """Applies what a form or the API says of the initiative's organisations: what the actor
    may say for an organisation takes effect, the rest becomes proposals (new ones emailed).
    Taking an organisation off is never a statement for it, so it always takes effect."""
    wanted: dict[tuple[Organisation, str], bool] = {}
    current_lead = initiative.lead_organisation
    if lead == current_lead or speaks_for(actor, lead):
        if lead != current_lead:
            initiative.lead_organisation = lead
            initiative.is_priority = False  # the earlier lead's word, not the new one's
        if speaks_for(actor, lead):
            initiative.is_priority = priority
        elif priority and not initiative.is_priority:
            wanted[(lead, "priority")] = False
        elif not priority:
            initiative.is_priority = False
    else:
        if current_lead is None:  # new: the actor's own organisation leads until then
            initiative.lead_organisation = actor.organisation
            initiative.is_priority = False
        wanted[(lead, "lead")] = priority
    accepted = set(initiative.partners)
    kept = []
    for organisation in partners:
        if organisation == initiative.lead_organisation:
            continue
        if organisation in accepted or speaks_for(actor, organisation):
            kept.append(organisation)
        else:
            wanted[(organisation, "partner")] = False
    initiative.partners = sorted(kept, key=lambda o: o.name)
    _keep_proposals(actor, initiative, wanted)


def as_asked(initiative: Initiative) -> tuple[int, list[int], bool]:
    """Lead, partners and priority as the initiative's editors asked for them (proposals
    included), so an edit form or a PATCH that leaves them alone withdraws nothing."""
    (lead_asked,) = initiative.proposed("lead") or (None,)
    lead_id = lead_asked.organisation_id if lead_asked else initiative.lead_organisation_id
    partner_ids = [o.id for o in initiative.partners]
    partner_ids += [p.organisation_id for p in initiative.proposed("partner")]
    if lead_asked is not None:
        priority = lead_asked.with_priority
    else:
        priority = initiative.is_priority or bool(initiative.proposed("priority"))
    return lead_id, partner_ids, priority


def _keep_proposals(actor, initiative: Initiative, wanted: dict) -> None:
    """Proposals no longer made are withdrawn; new ones are made and their organisations
    told."""
    have = {(p.organisation, p.role): p for p in initiative.proposals}
    for key, proposal in have.items():
        if key not in wanted:
            initiative.proposals.remove(proposal)
        else:
            proposal.with_priority = wanted[key]
    for (organisation, role), with_priority in wanted.items():
        if (organisation, role) in have:
            continue
        proposal = OrganisationProposal(
            organisation=organisation,
            role=role,
            with_priority=with_priority,
            proposed_by_id=getattr(actor, "id", None),
            created_at=utcnow(),
        )
        initiative.proposals.append(proposal)
        db.session.flush()
        _ask(proposal)


def _asked(organisation_id: int) -> list[Member]:
    """Who hears of a proposal: the organisation's contacts, else some of its verified
    members."""
    verified = sa.select(Member).where(
        Member.organisation_id == organisation_id,
        Member.active,
        Member.verified_at.is_not(None),
    )
    contacts = list(db.session.scalars(verified.where(Member.is_organisation_contact)))
    return contacts or list(db.session.scalars(verified.order_by(Member.id).limit(MAX_ASKED)))


def _ask(proposal: OrganisationProposal) -> None:
    for member in _asked(proposal.organisation_id):
        _email(
            member,
            proposal,
            lambda: _(
                "Arena: Er %(organisation)s med på «%(title)s»?",
                organisation=proposal.organisation.name,
                title=proposal.initiative.title,
            ),
            "initiatives/email/proposal.txt",
            "proposals",
        )


def _email(member, proposal, subject, template: str, anchor: str | None = None) -> None:
    """One email about a proposal, in the member's language (`subject` is called in it)."""
    link = absolute_url("initiatives.show", initiative_id=proposal.initiative_id, _anchor=anchor)
    with force_locale(language_of(member)):
        body = render_template(
            template, member=member, proposal=proposal, what=describe(proposal), link=link
        )
        queue_email(member, "role_proposals", subject(), body)


def describe(proposal: OrganisationProposal) -> str:
    """What the organisation is asked, in words (in the current language)."""
    if proposal.role == "lead" and proposal.with_priority:
        return _("å lede initiativet og ha det blant sine prioriteringer")
    if proposal.role == "lead":
        return _("å lede initiativet")
    if proposal.role == "partner":
        return _("å være samarbeidspartner")
    return _("å ha initiativet blant sine prioriteringer")


def answerable_by(member, initiative: Initiative) -> list[OrganisationProposal]:
    """The initiative's proposals the member may answer (for their organisation; all: admin)."""
    return [p for p in initiative.proposals if speaks_for(member, p.organisation)]


def waiting_for(member) -> list[OrganisationProposal]:
    """Proposals to the member's organisation that they may answer, oldest first."""
    if not is_signed_in(member) or not speaks_for(member, member.organisation):
        return []
    return list(
        db.session.scalars(
            sa.select(OrganisationProposal)
            .where(OrganisationProposal.organisation_id == member.organisation_id)
            .order_by(OrganisationProposal.created_at, OrganisationProposal.id)
        )
    )


def answer(actor, proposal_id: int, accept: bool, initiative: Initiative) -> OrganisationProposal:
    """A verified member of the organisation (or an admin) accepts or declines; the proposer
    hears of a no. The caller reindexes and commits."""
    proposal = db.session.get(OrganisationProposal, proposal_id)
    if proposal is None or proposal.initiative_id != initiative.id:
        raise NotFound(_("Forslaget finnes ikke lenger."))
    if not speaks_for(actor, proposal.organisation):
        raise PermissionDenied(
            _("Bare bekreftede medlemmer av %(name)s kan svare.", name=proposal.organisation.name)
        )
    initiative = proposal.initiative
    if accept:
        _accept(proposal)
        initiative.updated_at = utcnow()
    elif proposal.proposed_by is not None and proposal.proposed_by.active:
        _tell_declined(proposal)
    initiative.proposals.remove(proposal)
    return proposal


def _accept(proposal: OrganisationProposal) -> None:
    initiative, organisation = proposal.initiative, proposal.organisation
    if proposal.role == "lead":
        earlier = initiative.lead_organisation
        initiative.lead_organisation = organisation
        initiative.is_priority = proposal.with_priority
        partners = [o for o in initiative.partners if o != organisation]
        proposer = proposal.proposed_by
        if proposer is not None and speaks_for(proposer, earlier) and earlier not in partners:
            partners.append(earlier)  # who asked another to lead stays with it, by their word
        initiative.partners = sorted(partners, key=lambda o: o.name)
        for stale in list(initiative.proposals):  # asked of the earlier lead, or to partner
            if stale.role == "priority" or (
                stale.role == "partner" and stale.organisation == organisation
            ):
                initiative.proposals.remove(stale)
    elif proposal.role == "partner":
        if organisation not in initiative.partners and organisation != initiative.lead_organisation:
            initiative.partners.append(organisation)
    elif initiative.lead_organisation == organisation:
        initiative.is_priority = True


def _tell_declined(proposal: OrganisationProposal) -> None:
    _email(
        proposal.proposed_by,
        proposal,
        lambda: _(
            "%(organisation)s sa nei til «%(title)s»",
            organisation=proposal.organisation.name,
            title=proposal.initiative.title,
        ),
        "initiatives/email/proposal_declined.txt",
    )
