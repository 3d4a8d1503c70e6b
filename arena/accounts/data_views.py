"""A member's own data: downloading it, and deleting the account (with the password, or with an
emailed link for a member who signs in only with their organisation's account)."""

from flask import Response, flash, g, json, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.accounts import member_data
from arena.accounts.forms import DeleteAccountForm
from arena.accounts.views import bp, sign_out
from arena.errors import ValidationFailed
from arena.extensions import SECRETS_LIMIT, limiter, signed_in_member
from arena.forms import show_service_errors


@bp.get("/profile/export")
@login_required
def export_data():
    """Download all of one's own data as JSON."""
    data = member_data.export_member_data(current_user, current_user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=arena-mine-data.json"},
    )


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(SECRETS_LIMIT, methods=["POST"], key_func=signed_in_member)
def delete_account():
    """Delete one's own account, confirmed with the password or, for a member who signs in only
    with their organisation's account, with a link sent by email."""
    form = DeleteAccountForm()
    by_email = not current_user.signs_in_with_password
    if by_email:
        del form.password
    if form.validate_on_submit():
        member = current_user._get_current_object()
        try:
            if by_email:
                member_data.send_deletion_link(current_user, member)
            else:
                member_data.delete_account(current_user, member, form.password.data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            if by_email:
                flash(
                    _(
                        "Vi har sendt en lenke til %(email)s. Åpne den innen én time for å "
                        "slette kontoen.",
                        email=member.email,
                    ),
                    "success",
                )
                return redirect(url_for("accounts.profile"))
            sign_out()
            flash(_("Kontoen din er slettet."), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/delete.html", form=form, by_email=by_email)


@bp.route("/profile/delete/<token>", methods=["GET", "POST"])
@login_required
def delete_account_by_link(token: str):
    """The emailed link: one more button, then the account is gone."""
    g.no_store = True
    try:
        if request.method == "POST":  # CSRFProtect has checked the form's token
            member_data.delete_account_by_link(current_user, token)
        else:
            member_data.check_deletion_link(current_user, token)
    except ValidationFailed as failure:
        flash(failure.message, "error")
        return redirect(url_for("accounts.delete_account"))
    if request.method == "POST":
        sign_out()
        flash(_("Kontoen din er slettet."), "success")
        return redirect(url_for("main.index"))
    return render_template("accounts/delete_confirm.html", token=token)
