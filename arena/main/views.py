"""Front page, health check, admin overview, privacy and accessibility statements."""

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from arena.access import require_admin
from arena.dates import utcnow, wall_clock_now
from arena.expertise import vocabulary
from arena.extensions import db
from arena.initiatives import listing
from arena.initiatives.forms import status_labels
from arena.main import front, personal
from arena.organisations import services as organisations
from arena.outbox import messages

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Signed in, first what is the member's (arena/main/personal.py); for everyone what Arena
    is for, the network in numbers, the coming week's public meetings and the newest
    initiatives, and the way to each of the rules."""
    now = wall_clock_now().replace(second=0, microsecond=0)
    signed_in = current_user.is_authenticated
    return render_template(
        "main/index.html",
        personal=personal.for_member(current_user, utcnow()) if signed_in else None,
        numbers=front.network_numbers(current_user),
        coming=front.coming_public_meetings(now),
        coming_days=front.COMING_DAYS,
        coming_shown=front.COMING_SHOWN,
        newest=listing.newest_initiatives(current_user),
        statuses=status_labels(),
    )


@bp.get("/favicon.ico")
def favicon():
    """Programs that ask for /favicon.ico (feed readers, old browsers) get Arena's icon."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/healthz")
def healthz():
    """200 when the app and its database answer."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/admin")
@login_required
def admin():
    """The admin's overview: what waits for them."""
    require_admin(current_user)
    pending = organisations.list_organisations(approved=False)
    return render_template(
        "admin/index.html",
        pending=pending,
        proposed_areas=vocabulary.proposed_areas(),
        failed_messages=messages.status_counts(current_user)["failed"],
    )


@bp.get("/privacy")
def privacy():
    """What Arena stores about members, why, and their rights."""
    return render_template("main/privacy.html")


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("main/accessibility.html")
