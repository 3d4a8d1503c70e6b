"""Organisation pages and their administration."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.access import require_admin
from arena.errors import ValidationFailed
from arena.forms import choices, show_service_errors
from arena.organisations import services
from arena.organisations.forms import MergeForm, OrganisationForm, kind_choices, kind_labels

bp = Blueprint("organisations", __name__)


@bp.get("/organisations")
def index():
    """Browse the network's organisations, by kind and municipality."""
    kinds = dict(kind_choices())
    kind = request.args.get("kind") if request.args.get("kind") in kinds else None
    municipality_id = request.args.get("municipality", type=int)
    all_municipalities = services.municipalities()
    if municipality_id not in {m.id for m in all_municipalities}:
        municipality_id = None
    return render_template(
        "organisations/index.html",
        organisations=services.list_organisations(kind=kind, municipality_id=municipality_id),
        counts=services.member_counts(),
        kinds=kinds,
        kind_labels=kind_labels(),
        municipalities=all_municipalities,
        selected_kind=kind,
        selected_municipality=municipality_id,
    )


@bp.get("/admin/organisations")
@login_required
def admin_index():
    """Admins see proposed organisations waiting for approval, and all others."""
    require_admin(current_user)
    return render_template(
        "admin/organisations.html",
        pending=services.list_organisations(approved=False),
        organisations=services.list_organisations(),
        counts=services.member_counts(),
        kind_labels=kind_labels(),
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def admin_create():
    """An admin adds an organisation."""
    require_admin(current_user)
    form = OrganisationForm()
    form.fill_choices(services.municipalities())
    if form.validate_on_submit():
        try:
            org = services.create_organisation(current_user, form.to_data())
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Organisasjonen %(name)s er opprettet.", name=org.name), "success")
            return redirect(url_for("organisations.show", slug=org.slug))
    return render_template("admin/organisation_form.html", form=form, org=None)


@bp.route("/admin/organisations/<slug>/edit", methods=["GET", "POST"])
@login_required
def admin_edit(slug: str):
    """An admin corrects an organisation's details."""
    require_admin(current_user)
    org = services.get_organisation(slug, include_pending=True)
    form = OrganisationForm(obj=org)
    form.fill_choices(services.municipalities())
    if request.method == "GET":
        form.municipality_id.data = str(org.municipality_id or "")
        form.domains.data = "\n".join(org.domain_names)
    if form.validate_on_submit():
        try:
            services.update_organisation(current_user, org, form.to_data())
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("organisations.show", slug=org.slug))
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.post("/admin/organisations/<slug>/approve")
@login_required
def admin_approve(slug: str):
    """An admin approves a proposed organisation."""
    org = services.get_organisation(slug, include_pending=True)
    services.approve_organisation(current_user, org)
    flash(_("%(name)s er godkjent.", name=org.name), "success")
    return redirect(url_for("organisations.admin_index"))


@bp.route("/admin/organisations/<slug>/merge", methods=["GET", "POST"])
@login_required
def admin_merge(slug: str):
    """An admin merges a duplicate organisation into another."""
    require_admin(current_user)
    org = services.get_organisation(slug, include_pending=True)
    form = MergeForm()
    form.target.choices = choices(
        [("", _("Velg organisasjon"))]
        + [(o.slug, o.name) for o in services.list_organisations() if o.id != org.id]
    )
    if form.validate_on_submit():
        target = services.get_organisation(form.target.data)
        try:
            services.merge_organisations(current_user, org, target)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Organisasjonene er slått sammen."), "success")
            return redirect(url_for("organisations.show", slug=target.slug))
    return render_template("admin/organisation_merge.html", form=form, org=org)
