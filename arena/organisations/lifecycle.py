"""What the organisations area does with its own rows when an organisation changes or is merged
(arena/lifecycle.py)."""

import sqlalchemy as sa

from arena import lifecycle
from arena.extensions import db
from arena.organisations.models import Organisation, OrganisationDomain

lifecycle.declare(
    "organisation",
    "changed",
    "organisation_domains",
    because="the organisation's own domains, written by the same change",
)


@lifecycle.on("organisation", "merged", "organisation_domains")
def move_domains(source: Organisation, target: Organisation) -> None:
    """The duplicate's email domains are the kept organisation's too."""
    db.session.execute(
        sa.update(OrganisationDomain)
        .where(OrganisationDomain.organisation_id == source.id)
        .values(organisation_id=target.id)
    )
