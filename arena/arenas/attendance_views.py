"""Pages for answering «Kommer» / «Kommer ikke»: the buttons on an arena's page, and the page a
signed link from an invitation opens (it asks first: link checkers open links too)."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.arenas import attendance, meetings
from arena.errors import ServiceError
from arena.extensions import limiter

bp = Blueprint("attendance", __name__)


def answer_labels() -> dict[str, str]:
    return {"yes": _("Kommer"), "no": _("Kommer ikke")}


@bp.post("/meetings/<int:meeting_id>/answer")
@login_required
def answer(meeting_id: int):
    """A signed-in member answers for one occurrence (a new answer replaces the old one)."""
    meeting = meetings.get_meeting(meeting_id, current_user)
    try:
        occurrence = datetime.fromisoformat(request.form.get("occurrence", ""))
    except ValueError:
        abort(400)
    value = request.form.get("answer", "")
    try:
        attendance.answer(current_user, meeting, occurrence, value)
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash(error.message, "error")
    else:
        flash(_("Svaret ditt er lagret: %(answer)s.", answer=answer_labels()[value]), "success")
    anchor = f"#meeting-{meeting.id}"
    return redirect(url_for("arenas.show", slug=meeting.arena.slug) + anchor)


@bp.route("/answer/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def answer_link(token: str):
    """The link in an invitation: GET shows what it answers, the button (POST) records it."""
    try:
        found = attendance.read_link(token, current_user)
    except ServiceError as error:
        return render_template("arenas/answer.html", problem=error.message), error.status
    done, problem, status = False, None, 200
    if request.method == "POST":
        try:
            attendance.answer_by_link(found)
        except ServiceError as error:
            problem, status = error.message, error.status
        else:
            done = True
    other = "no" if found.answer == "yes" else "yes"
    return render_template(
        "arenas/answer.html",
        found=found,
        starts_at=attendance.occurrence_start(found.meeting, found.occurrence),
        labels=answer_labels(),
        other_url=attendance.answer_url(found.member, found.meeting, found.occurrence, other),
        other=other,
        done=done,
        problem=problem,
    ), status
