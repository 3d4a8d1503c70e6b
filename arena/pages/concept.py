"""A field of expertise's page: who knows it, by level, and the initiatives on its theme. It
shows expertise and initiatives, so it lives above both, on the expertise blueprint."""

from flask import render_template
from flask_login import current_user

from arena.expertise import concepts
from arena.expertise import services as expertise
from arena.expertise.forms import level_labels
from arena.expertise.views import bp as expertise_bp
from arena.initiatives import following, listing
from arena.initiatives.forms import status_labels


@expertise_bp.get("/areas/<slug>")
def area(slug: str):
    """A field of expertise: who knows it (by level) and the initiatives on this theme."""
    area = expertise.area_for(current_user, slug)
    return render_template(
        "expertise/area.html",
        area=area,
        links=concepts.links_of(area),
        people=expertise.people_by_level(area) if current_user.is_authenticated else None,
        levels=level_labels(),
        initiatives=listing.initiatives_with_theme(area, current_user),
        following=following.is_following(current_user, "theme", area.id),
        statuses=status_labels(),
    )
