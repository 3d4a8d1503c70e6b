"""Pages of the fields of expertise (fagområder)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.access import require_admin, require_verified
from arena.accounts import services as accounts
from arena.errors import TooMany, ValidationFailed
from arena.expertise import concepts, contacts, finder, importer, services, vocabulary
from arena.expertise.forms import (
    AreaForm,
    ContactForm,
    EditExpertiseForm,
    ImportForm,
    MergeAreaForm,
    level_labels,
)
from arena.forms import choices, show_service_errors
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.organisations.forms import kind_choices

bp = Blueprint("expertise", __name__)


def _profile_url(member) -> str:
    return absolute_url("accounts.member", member_id=member.id)


@bp.post("/profile/expertise/<int:area_id>")
@login_required
def edit_expertise(area_id: int):
    """Change the level or note of one of one's fields of expertise."""
    form = EditExpertiseForm()
    if not form.validate_on_submit():
        abort(400)
    area = services.areas_by_ids([area_id])[0]
    services.set_expertise(current_user, current_user, area, form.level.data, form.note.data)
    flash(_("Endringene er lagret."), "success")
    return redirect(url_for("accounts.profile") + "#expertise-heading")


@bp.post("/profile/expertise/<int:area_id>/remove")
@login_required
def remove_expertise(area_id: int):
    """Remove a field of expertise from one's profile."""
    services.remove_expertise(current_user, current_user, area_id)
    flash(_("Fagområdet er fjernet fra profilen din."), "success")
    return redirect(url_for("accounts.profile") + "#expertise-heading")


@bp.post("/profile/review")
@login_required
def confirm_profile():
    """Confirm one's profile is up to date."""
    services.confirm_profile(current_user, current_user)
    flash(_("Takk! Profilen er merket som oppdatert."), "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/experts")
@login_required
def experts():
    """«Finn en kollega»: the best people in other organisations for what you need."""
    wanted, ignored = _query_from_args(request.args)
    answer = finder.find_experts(current_user, wanted)
    return render_template(
        "expertise/experts.html",
        wanted=wanted,
        ignored=ignored,
        answer=answer,
        levels=level_labels(),
        kinds=dict(kind_choices()),
        municipalities=organisations.municipalities(),
        areas=services.areas_for(current_user),
    )


def _query_from_args(args) -> tuple[finder.ExpertQuery, list[str]]:
    """The finder's query from the URL; unknown filter values are left out and named."""
    wanted = finder.ExpertQuery(text=(args.get("q") or "")[:300])
    ignored = []
    kind = args.get("organisation_kind")
    if kind:
        (
            setattr(wanted, "organisation_kind", kind)
            if kind in dict(kind_choices())
            else ignored.append(kind)
        )
    municipality = args.get("municipality")
    if municipality:
        found = next((m for m in organisations.municipalities() if m.number == municipality), None)
        (setattr(wanted, "municipality_id", found.id) if found else ignored.append(municipality))
    level = args.get("level_min")
    if level:
        (
            setattr(wanted, "level_min", int(level))
            if level in ("1", "2", "3")
            else ignored.append(level)
        )
    wanted.include_own_organisation = args.get("include_own_organisation") == "1"
    return wanted, ignored


@bp.route("/members/<int:member_id>/contact", methods=["GET", "POST"])
@login_required
def contact(member_id: int):
    """«Ta kontakt»: send a short message to a colleague; the reply comes by email."""
    require_verified(current_user)  # say so before the message is written, not after
    expert = accounts.get_member(member_id)
    form = ContactForm()
    status = 200
    if form.validate_on_submit():
        try:
            contacts.send_contact_request(
                current_user,
                expert,
                form.subject.data,
                form.message.data,
                _profile_url(current_user),
            )
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        except TooMany as limit:
            form.form_errors.append(limit.message)
            status = 429
        else:
            flash(
                _("Meldingen er sendt til %(name)s. Svaret kommer på e-post.", name=expert.name),
                "success",
            )
            return redirect(url_for("accounts.member", member_id=expert.id))
    return render_template("expertise/contact.html", form=form, expert=expert), status


@bp.get("/profile/contact-requests")
@login_required
def contact_requests():
    """Requests one has received and sent through «Ta kontakt»."""
    received, sent = contacts.contact_requests_of(current_user)
    return render_template("expertise/contact_requests.html", received=received, sent=sent)


@bp.post("/contact-requests/<int:request_id>/answered")
@login_required
def mark_answered(request_id: int):
    """Mark a received request as answered."""
    contacts.mark_answered(current_user, request_id)
    flash(_("Forespørselen er merket som besvart."), "success")
    return redirect(url_for("expertise.contact_requests"))


# --- admin: the vocabulary and importing staff lists ---------------------------------------------


@bp.get("/admin/areas")
@login_required
def admin_areas():
    """Proposed areas waiting for an admin, and the whole vocabulary."""
    require_admin(current_user)
    return render_template(
        "admin/areas.html",
        proposed=vocabulary.proposed_areas(),
        areas=services.all_areas(),
    )


@bp.post("/admin/areas/<slug>/approve")
@login_required
def admin_approve_area(slug: str):
    area = services.get_area(slug)
    vocabulary.approve_area(current_user, area)
    flash(_("%(name)s er godkjent.", name=area.name), "success")
    return redirect(url_for("expertise.admin_areas"))


@bp.route("/admin/areas/<slug>/edit", methods=["GET", "POST"])
@login_required
def admin_edit_area(slug: str):
    """Name a concept in three languages, its alternatives and links (approves it too)."""
    require_admin(current_user)
    area = services.get_area(slug)
    links = concepts.links_of(area)
    form = AreaForm(
        obj=area,
        broader=", ".join(a.name for a in links.get("broader", [])),
        related=", ".join(a.name for a in links.get("related", [])),
    )
    if form.validate_on_submit():
        change = vocabulary.AreaChange(
            **{key: form[key].data or "" for key in vocabulary.AreaChange.__dataclass_fields__}
        )
        try:
            vocabulary.update_area(current_user, area, change)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("expertise.admin_areas"))
    return render_template("admin/area_form.html", form=form, area=area, links=links)


@bp.route("/admin/areas/<slug>/merge", methods=["GET", "POST"])
@login_required
def admin_merge_area(slug: str):
    """Merge a duplicate area into another."""
    require_admin(current_user)
    area = services.get_area(slug)
    form = MergeAreaForm()
    form.target.choices = choices(
        [("", _("Velg fagområde"))]
        + [(a.slug, a.name) for a in services.all_areas() if a.id != area.id]
    )
    if form.validate_on_submit():
        target = services.get_area(form.target.data)
        vocabulary.merge_areas(current_user, area, target)
        flash(_("Fagområdene er slått sammen."), "success")
        return redirect(url_for("expertise.area", slug=target.slug))
    return render_template("admin/area_merge.html", form=form, area=area)


@bp.route("/admin/import", methods=["GET", "POST"])
@login_required
def admin_import():
    """Import an organisation's staff list: preview first, then write everything or nothing."""
    require_admin(current_user)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        content = form.file.data.read() if form.file.data else (form.content.data or "").encode()
        if len(content) > 2_000_000:
            form.form_errors.append(_("Fila er for stor (høyst 2 MB)."))
        elif not content:
            form.form_errors.append(_("Velg en CSV-fil."))
        else:
            confirmed = bool(form.confirm.data) and not form.file.data
            report = importer.import_members(current_user, content, dry_run=not confirmed)
            if report.written:
                flash(
                    _(
                        "Importert: %(created)d nye og %(updated)d oppdaterte medlemmer.",
                        created=report.created,
                        updated=report.updated,
                    ),
                    "success",
                )
                return redirect(url_for("expertise.admin_import"))
            form.content.data = content.decode("utf-8", "replace") if not report.errors else ""
    return render_template("admin/import.html", form=form, report=report)
