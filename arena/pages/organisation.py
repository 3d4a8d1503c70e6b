"""An organisation's page: its priorities and other initiatives, and (for signed-in members)
its members. It shows organisations, accounts and initiatives, so it lives above them, on the
organisations blueprint."""

from flask import render_template
from flask_login import current_user

from arena.accounts import services as accounts
from arena.initiatives import following, listing
from arena.initiatives.forms import status_labels
from arena.organisations import services as organisations
from arena.organisations.forms import kind_labels
from arena.organisations.views import bp as organisations_bp


@organisations_bp.get("/organisations/<slug>")
def show(slug: str):
    """One organisation; its members are listed for signed-in members."""
    is_admin = current_user.is_authenticated and current_user.is_admin
    org = organisations.get_organisation(slug, include_pending=is_admin)
    priorities, others = listing.initiatives_of_organisation(org, current_user)
    return render_template(
        "organisations/show.html",
        org=org,
        kind_labels=kind_labels(),
        priorities=priorities,
        initiatives=others,
        statuses=status_labels(),
        following=following.is_following(current_user, "organisation", org.id),
        members=accounts.members_of(org),
    )
