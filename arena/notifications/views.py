"""Pages: a member's notification settings, the one-click unsubscribe link, and the outbox for
admins."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.accounts.models import Member
from arena.errors import Conflict, ValidationFailed
from arena.extensions import csrf, db
from arena.notifications import digest
from arena.outbox import messages, settings
from arena.outbox.messages import language_of
from arena.outbox.models import CHOICES, OPTIONAL_KINDS, STATUSES
from arena.paging import page_number

bp = Blueprint("notifications", __name__)

#: The email preview's own policy: our inline styles, nothing else, never framed.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@bp.route("/profile/notifications", methods=["GET", "POST"])
@login_required
def settings_page():
    """Which emails the member gets, one choice per kind."""
    chosen = settings.settings_of(current_user)
    errors = {}
    if request.method == "POST":
        changes = {kind: request.form.get(kind, "") for kind in OPTIONAL_KINDS}
        try:
            settings.change_settings(current_user, current_user, changes)
        except ValidationFailed as failure:
            errors = failure.fields
            chosen.update({k: v for k, v in changes.items() if v in CHOICES[k]})
        else:
            flash(_("Varslingsinnstillingene er lagret."), "success")
            return redirect(url_for("notifications.settings_page"))
    return render_template(
        "notifications/settings.html",
        chosen=chosen,
        errors=errors,
        kinds=settings.kind_labels(),
        choices=CHOICES,
        choice_labels=settings.choice_labels(),
        preview=digest.preview(current_user),
        language=language_of(current_user),
    ), (422 if errors else 200)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority: mail programs post it without a session
def unsubscribe(token: str):
    """GET asks (link checkers open links); POST turns the kind off: the page's button, or a
    mail program's one-click request (RFC 8058, body List-Unsubscribe=One-Click)."""
    found = settings.read_unsubscribe_token(token)
    member = db.session.get(Member, found[0]) if found else None
    if member is None or not member.active:
        return render_template("notifications/unsubscribe_invalid.html"), 404
    kind = found[1]
    done = request.method == "POST"
    if done:
        settings.unsubscribe(member, kind)
    return render_template(
        "notifications/unsubscribe.html",
        kind_name=settings.kind_labels()[kind][0],
        done=done,
        token=token,
    )


@bp.get("/admin/outbox")
@login_required
def admin_outbox():
    """Every message: queued, sent or failed, with attempts and the last error."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = messages.messages_page(current_user, status, page_number(request.args))
    return render_template(
        "admin/outbox.html",
        page=page,
        status=status,
        counts=messages.status_counts(current_user),
        status_labels=status_labels(),
        kind_labels=kind_names(),
    )


@bp.get("/admin/outbox/<int:message_id>")
@login_required
def admin_message(message_id: int):
    message = messages.get_message(current_user, message_id)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        status_labels=status_labels(),
        kind_labels=kind_names(),
        hidden=message.kind == "account",
    )


@bp.get("/admin/outbox/<int:message_id>/preview")
@login_required
def admin_preview(message_id: int):
    """The HTML part as the recipient sees it. Account messages hold a personal sign-in or
    password link, which not even an admin may use: their content is never shown."""
    message = messages.get_message(current_user, message_id)
    if message.kind == "account":
        abort(404)
    response = make_response(message.html_body)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response


@bp.post("/admin/outbox/<int:message_id>/resend")
@login_required
def admin_resend(message_id: int):
    message = messages.get_message(current_user, message_id)
    try:
        messages.resend(current_user, message)
    except Conflict as conflict:
        flash(conflict.message, "error")
    else:
        flash(_("Meldingen sendes på nytt."), "success")
    return redirect(url_for("notifications.admin_message", message_id=message.id))


def status_labels() -> dict[str, str]:
    return {"queued": _("I kø"), "sent": _("Sendt"), "failed": _("Kom ikke fram")}


def kind_names() -> dict[str, str]:
    names = {kind: label for kind, (label, _about) in settings.kind_labels().items()}
    return names | {
        "account": _("Konto og sikkerhet"),
        "membership": _("Medlemskap"),
        "admin": _("Til administratorer"),
    }
