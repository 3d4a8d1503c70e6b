"""The collaboration map: who works with whom, filtered by the URL, with one organisation
selected (?org=<slug>) and the same facts as a table."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from arena.expertise import services as expertise
from arena.network import picture
from arena.network.forms import filter_from_args
from arena.network.making import network
from arena.network.sources import initiative_titles
from arena.organisations import services as organisations
from arena.organisations.forms import kind_labels

bp = Blueprint("network", __name__)

#: Organisations named in «not connected yet» before «and n more».
NOT_CONNECTED_SHOWN = 30


@bp.get("/network")
def index():
    chosen, ignored = filter_from_args(request.args)
    graph = network(chosen, current_user)
    drawing = picture.picture(graph)
    org = request.args.get("org")
    selected = next((n for n in graph.nodes.values() if n.slug == org), None) if org else None
    outside = None  # an organisation the filters leave off the map
    if org and selected is None:
        outside = organisations.find_organisation(org)
        if outside is None:
            ignored["org"] = org
    partners, titles = {}, {}
    if selected is not None:
        partners = {link.other(selected.id): link for link in graph.links_of(selected.id)}
        titles = initiative_titles(i for link in partners.values() for i in link.initiatives)
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "org"}
    return render_template(
        "network/index.html",
        args=args,
        chosen=chosen,
        ignored=ignored,
        graph=graph,
        picture=drawing,
        named=picture.names_on_map(drawing, [selected.id, *partners] if selected else []),
        selected=selected,
        outside=outside,
        partners=partners,
        titles=titles,
        kinds={kind: str(label) for kind, label in kind_labels().items()},
        kind_styles=picture.KIND_STYLES,
        areas=expertise.areas_for(current_user),
        municipalities=organisations.municipalities(),
        not_connected_shown=NOT_CONNECTED_SHOWN,
        legend_shape=lambda kind: picture.shape_path(picture.KIND_STYLES[kind][1], 12, 12, 8),
    )
