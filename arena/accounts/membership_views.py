"""Pages for membership: requests to join an organisation and their answers, asking to join
from the profile, who answers for each organisation, and the admins' list of members with their
roles and status."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.access import require_admin
from arena.accounts import membership, services
from arena.accounts.views import bp
from arena.errors import ValidationFailed
from arena.paging import page_number


@bp.get("/memberships")
@login_required
def memberships():
    """Requests to join that the organisation contact or admin may answer."""
    return render_template(
        "accounts/memberships.html",
        pending=membership.pending_requests(current_user),
    )


@bp.post("/memberships/<int:member_id>/<any(approve, refuse):answer>")
@login_required
def answer_membership(member_id: int, answer: str):
    """Say yes or no to a request to join."""
    member = membership.decide_request(current_user, member_id, approve=answer == "approve")
    if answer == "approve":
        message = _("%(name)s er bekreftet som medlem.", name=member.name)
    else:
        message = _("%(name)s er ikke bekreftet som medlem.", name=member.name)
    flash(message, "success")
    return redirect(url_for("accounts.memberships"))


def _switch(member_id: int, change, done: str):
    """One of an admin's switches on /admin/members: `change(actor, member, on)` with the
    button's value, then back to the list with what happened. (`done` names the member.)"""
    member = services.get_member(member_id)
    try:
        change(current_user, member, request.form.get("value") == "1")
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(done % {"name": member.name}, "success")
    return redirect(url_for("accounts.admin_members"))


@bp.post("/admin/members/<int:member_id>/contact")
@login_required
def admin_set_contact(member_id: int):
    """An admin makes a member a contact for their organisation, or not."""
    return _switch(
        member_id, membership.set_organisation_contact, _("Kontoen til %(name)s er endret.")
    )


@bp.get("/admin/members")
@login_required
def admin_members():
    """Admins see every member, with role and status."""
    require_admin(current_user)
    verified_via = {
        "domain": _("Bekreftet (e-postdomene)"),
        "approval": _("Bekreftet (godkjent)"),
        "admin": _("Bekreftet (lagt inn av administrator)"),
        "migration": _("Bekreftet (e-postdomene, ved oppgraderingen)"),
        "tenant": _("Bekreftet (organisasjonens innlogging)"),
    }
    return render_template(
        "admin/members.html",
        page=services.members_page(current_user, page_number(request.args)),
        verified_via=verified_via,
    )


@bp.post("/admin/members/<int:member_id>/admin")
@login_required
def admin_set_admin(member_id: int):
    """An admin makes a member an admin, or takes the role away."""
    return _switch(member_id, services.set_admin, _("Rollen til %(name)s er endret."))


@bp.post("/admin/members/<int:member_id>/active")
@login_required
def admin_set_active(member_id: int):
    """An admin deactivates or reactivates a member."""
    return _switch(member_id, services.set_active, _("Kontoen til %(name)s er endret."))
