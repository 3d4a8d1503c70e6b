"""«Hva skjer»: the initiative register, its pages, following, the overview and the Atom feed."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena import access
from arena.access import require_verified
from arena.dates import utcnow
from arena.errors import Conflict, NotFound, ValidationFailed
from arena.expertise import services as expertise
from arena.forms import show_service_errors
from arena.initiatives import following, listing, services, statements
from arena.initiatives.forms import InitiativeForm, UpdateForm, filter_from_args, status_labels
from arena.organisations import services as organisations
from arena.organisations.forms import kind_choices, kind_labels
from arena.paging import page_number
from arena.web import clean_text, safe_next

bp = Blueprint("initiatives", __name__)

PER_PAGE = 20


def _lookups() -> dict:
    def organisation(slug_or_name):
        # Unknown filter values are reported, never fatal.
        return organisations.find_organisation(slug_or_name)

    def theme(slug):
        try:
            return expertise.get_area(slug)
        except NotFound:
            return None

    def municipality(number):
        return next((m for m in organisations.municipalities() if m.number == number), None)

    return {
        "organisation": organisation,
        "theme": theme,
        "municipality": municipality,
        "kinds": dict(kind_choices()),
    }


@bp.get("/initiatives")
def index():
    """«Hva skjer»: what everyone is doing, newest first, filtered and searched by the URL."""
    chosen, ignored = filter_from_args(request.args, _lookups())
    page = listing.list_initiatives(
        chosen, current_user, page=page_number(request.args), per_page=PER_PAGE
    )
    return render_template(
        "initiatives/index.html",
        page=page,
        chosen=chosen,
        ignored=ignored,
        statuses=status_labels(),
        kinds=dict(kind_choices()),
        areas=expertise.areas_for(current_user),
        municipalities=organisations.municipalities(),
        organisations=organisations.organisation_menu(),
    )


@bp.get("/initiatives.atom")
def feed():
    """New and updated initiatives as an Atom feed, with the same filters as the list."""
    chosen, _ignored = filter_from_args(request.args, _lookups())
    page = listing.list_initiatives(chosen, None, per_page=50)
    updated = max((i.updated_at for i in page.items), default=utcnow())
    body = render_template(
        "initiatives/feed.atom.xml", items=page.items, updated=updated, statuses=status_labels()
    )
    # Text stored before control characters were refused must not break the XML either.
    return Response(clean_text(body), mimetype="application/atom+xml")


def _form(initiative=None) -> InitiativeForm:
    form = InitiativeForm(obj=initiative)
    having = initiative.themes + initiative.wanted_competence if initiative else []
    form.fill_choices(
        organisations.organisation_choices(),
        expertise.areas_for(current_user, keeping=having),
        organisations.municipalities(),
        str(get_locale()),
    )
    return form


@bp.route("/initiatives/new", methods=["GET", "POST"])
@login_required
def create():
    """Register an initiative; similar ones are shown before it is saved."""
    require_verified(current_user)  # say so before the form is filled in, not after
    form = _form()
    similar = []
    if request.method == "GET":
        form.lead_organisation_id.data = current_user.organisation_id
        form.status.data = "planned"
        form.is_public.data = True
    if form.validate_on_submit():
        data = form.to_input()
        similar = listing.similar_initiatives(
            data.title, data.summary, data.theme_ids, data.municipality_ids
        )
        if similar and not form.seen_similar.data:
            form.seen_similar.data = "1"
        else:
            try:
                initiative = services.create_initiative(current_user, data)
            except ValidationFailed as failure:
                show_service_errors(form, failure)
            else:
                flash(_("Initiativet er registrert."), "success")
                return redirect(url_for("initiatives.show", initiative_id=initiative.id))
    return render_template("initiatives/form.html", form=form, initiative=None, similar=similar)


@bp.get("/initiatives/<int:initiative_id>")
def show(initiative_id: int):
    """One initiative: what, who, with whom, its updates, and who could help."""
    initiative = services.get_initiative(initiative_id, current_user)
    return render_template(
        "initiatives/show.html",
        initiative=initiative,
        statuses=status_labels(),
        kind_labels=kind_labels(),
        can_edit=access.can_edit_initiative(current_user, initiative),
        following=following.is_following(current_user, "initiative", initiative.id),
        update_form=UpdateForm(),
        helpers=listing.people_with_competence(initiative),
        similar=listing.similar_initiatives(
            initiative.title,
            initiative.summary,
            [a.id for a in initiative.themes],
            exclude_id=initiative.id,
            limit=3,
        ),
        needs_review=initiative in following.needing_review(current_user)
        if current_user.is_authenticated
        else False,
        answerable=statements.answerable_by(current_user, initiative),
        describe_proposal=statements.describe,
    )


@bp.post(
    "/initiatives/<int:initiative_id>/proposals/<int:proposal_id>/<any(accept, decline):answer>"
)
@login_required
def answer_proposal(initiative_id: int, proposal_id: int, answer: str):
    """A verified member says whether their organisation leads, takes part in or prioritises
    the initiative, as somebody proposed."""
    initiative = services.get_initiative(initiative_id, current_user)
    proposal = statements.answer(current_user, proposal_id, answer == "accept", initiative)
    services.organisations_answered(initiative)
    if answer == "accept":
        flash(
            _("Takk! %(name)s står nå på initiativet.", name=proposal.organisation.name), "success"
        )
    else:
        flash(_("Svaret er sendt til den som foreslo det."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    """Change an initiative (contact person, lead organisation's members, admins)."""
    initiative = services.get_initiative(initiative_id, current_user)
    if not access.can_edit_initiative(current_user, initiative):
        abort(403)
    form = _form(initiative)
    status = 200
    if request.method == "GET":
        form.version.data = str(initiative.version)
        form.contact_email.data = initiative.contact.email if initiative.contact else ""
        lead_id, partner_ids, priority = statements.as_asked(initiative)
        form.lead_organisation_id.data, form.partner_ids.data = lead_id, partner_ids
        form.is_priority.data = priority
        form.theme_ids.data = [a.id for a in initiative.themes]
        form.wanted_ids.data = [a.id for a in initiative.wanted_competence]
        form.municipality_ids.data = [m.id for m in initiative.municipalities]
        form.links.data = "\n".join(f"{k.url} {k.label}".strip() for k in initiative.links)
    if form.validate_on_submit():
        # The version the editor read; a form without it cannot prove it saw the latest.
        sent = request.form.get("version", "")
        version = int(sent) if sent.isdigit() else -1
        try:
            services.update_initiative(current_user, initiative, form.to_input(), version)
        except Conflict as conflict:
            form.form_errors.append(conflict.message)
            status = 409
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("initiatives.show", initiative_id=initiative.id))
    return render_template(
        "initiatives/form.html", form=form, initiative=initiative, similar=[]
    ), status


@bp.post("/initiatives/<int:initiative_id>/delete")
@login_required
def delete(initiative_id: int):
    """Delete an initiative."""
    initiative = services.get_initiative(initiative_id, current_user)
    services.delete_initiative(current_user, initiative)
    flash(_("Initiativet er slettet."), "success")
    return redirect(url_for("initiatives.index"))


@bp.post("/initiatives/<int:initiative_id>/updates")
@login_required
def post_update(initiative_id: int):
    """Post a dated update on how the initiative is going."""
    initiative = services.get_initiative(initiative_id, current_user)
    form = UpdateForm()
    if form.validate_on_submit():
        services.post_update(current_user, initiative, form.body.data)
        flash(_("Oppdateringen er publisert."), "success")
        return redirect(url_for("initiatives.show", initiative_id=initiative.id))
    if not access.can_edit_initiative(current_user, initiative):
        abort(403)
    flash(_("Oppdateringen kan ikke være tom eller lengre enn 5000 tegn."), "error")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/initiatives/<int:initiative_id>/confirm")
@login_required
def confirm(initiative_id: int):
    """Confirm that the initiative is still current."""
    initiative = services.get_initiative(initiative_id, current_user)
    services.confirm_current(current_user, initiative)
    flash(_("Takk! Initiativet er merket som oppdatert."), "success")
    return redirect(url_for("initiatives.show", initiative_id=initiative.id))


@bp.post("/follow")
@login_required
def follow():
    """Follow or stop following an initiative, a theme or an organisation."""
    kind = request.form.get("kind", "")
    target_id = request.form.get("id", type=int)
    if target_id is None:
        abort(404)
    if request.form.get("action") == "unfollow":
        following.unfollow(current_user, kind, target_id)
        flash(_("Du følger ikke lenger dette."), "success")
    else:
        following.follow(current_user, kind, target_id)
        flash(_("Du følger nå dette. Endringer vises i «Min oversikt»."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("initiatives.overview")))


@bp.get("/overview")
@login_required
def overview():
    """My overview: what I follow, what changed since my last visit, what waits for me."""
    seen_before = following.record_overview_visit(current_user)
    return render_template(
        "initiatives/overview.html",
        overview=following.overview(current_user, seen_before),
        statuses=status_labels(),
    )
