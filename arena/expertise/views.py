"""Pages of the fields of expertise (fagområder)."""

from flask import Blueprint, render_template
from flask_login import current_user

from arena.expertise import services
from arena.initiatives import services as initiatives
from arena.initiatives.forms import status_labels

bp = Blueprint("expertise", __name__)


@bp.get("/areas/<slug>")
def area(slug: str):
    """A field of expertise: the initiatives across the region on this theme."""
    area = services.get_area(slug)
    return render_template(
        "expertise/area.html",
        area=area,
        initiatives=initiatives.initiatives_with_theme(area, current_user),
        following=initiatives.is_following(current_user, "theme", area.id),
        statuses=status_labels(),
    )
