"""Arena pages: the register with orphans first, an arena's page, ownership answers, meetings."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from arena import access
from arena.access import require_verified
from arena.arenas import archiving, attendance, meetings, ownership, repetitions, services
from arena.arenas.attendance_views import answer_labels
from arena.arenas.forms import (
    ArenaForm,
    MeetingForm,
    OccurrenceForm,
    ProposeForm,
    cadence_labels,
    kind_labels,
    repeat_labels,
    visibility_labels,
)
from arena.arenas.models import Meeting
from arena.dates import FIRST_YEAR, LAST_YEAR, is_supported, wall_clock_now
from arena.errors import ServiceError, ValidationFailed
from arena.forms import show_service_errors
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.paging import page_number

bp = Blueprint("arenas", __name__)
bp.add_app_template_global(repetitions.describe, "describe_repetition")

UPCOMING = timedelta(days=183)


@bp.get("/arenas")
def index():
    """The arena register, a page at a time: without owner first, with owner, deputy and next
    meeting; and the responsibility map."""
    register = services.arena_register(current_user, page_number(request.args))
    now = wall_clock_now()
    return render_template(
        "arenas/index.html",
        register=register,
        next_meeting=meetings.next_meetings(register.page.items, now, now + UPCOMING),
        proposals=ownership.proposals_for(current_user) if current_user.is_authenticated else [],
        kinds=kind_labels(),
        cadences=cadence_labels(),
        responsibility=ownership.responsibility_map(current_user),
        lapsed={a.id for a in register.page.items if ownership.review_lapsed(a)},
    )


@bp.get("/arenas/calendar")
@login_required
def calendar():
    """Month or week view of the meetings of the arenas one follows or is responsible for."""
    view = "week" if request.args.get("view") == "week" else "month"
    try:
        chosen = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        chosen = wall_clock_now().date()
    if not is_supported(chosen):
        message = _(
            "Velg en dato mellom år %(first)d og %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
        raise ValidationFailed(message, {"date": message})
    if view == "week":
        first = chosen - timedelta(days=chosen.weekday())
        last = first + timedelta(days=7)
        previous, following = first - timedelta(days=7), last
    else:
        month_start = chosen.replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        last = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
        previous = (month_start - timedelta(days=1)).replace(day=1)
        following = next_month
    series = [m for a in services.arenas_of_member(current_user) for m in a.meetings]
    found = meetings.occurrences(
        series, datetime.combine(first, time()), datetime.combine(last, time())
    )
    by_day: dict[date, list] = {}
    for occurrence in found:
        by_day.setdefault(occurrence.starts_at.date(), []).append(occurrence)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    return render_template(
        "arenas/calendar.html",
        view=view,
        chosen=chosen,
        weeks=[days[n : n + 7] for n in range(0, len(days), 7)],
        by_day=by_day,
        previous=previous,
        following=following,
        today=wall_clock_now().date(),
    )


@bp.route("/arenas/new", methods=["GET", "POST"])
@login_required
def create():
    """Register a collaboration arena with an accountable owner."""
    require_verified(current_user)  # say so before the form is filled in, not after
    form = ArenaForm()
    form.fill_choices(organisations.organisation_choices())
    similar = []
    if request.method == "GET":
        form.organisation_ids.data = [current_user.organisation_id]
    if form.validate_on_submit():
        data = form.to_input()
        similar = (
            []
            if form.seen_similar.data
            else services.similar_arenas(data.name, data.purpose, data.organisation_ids)
        )
        if similar:
            form.seen_similar.data = "1"
            return render_template("arenas/form.html", form=form, arena=None, similar=similar)
        try:
            arena, proposals = services.create_arena(current_user, data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Samarbeidsarenaen er registrert."), "success")
            return redirect(url_for("arenas.show", slug=arena.slug))
    return render_template("arenas/form.html", form=form, arena=None, similar=similar)


@bp.get("/arenas/<slug>")
def show(slug: str):
    """One arena: who is responsible (and was), upcoming meetings, following, subscribing."""
    arena = services.get_arena(slug, current_user)
    now = wall_clock_now()
    can_manage = access.can_manage_arena(current_user, arena)
    meeting_ids = [m.id for m in arena.meetings]
    return render_template(
        "arenas/show.html",
        arena=arena,
        kinds=kind_labels(),
        cadences=cadence_labels(),
        visibilities=visibility_labels(),
        upcoming=meetings.occurrences(arena.meetings, now - timedelta(days=1), now + UPCOMING),
        my_answers=attendance.my_answers(current_user, meeting_ids),
        answers=attendance.answers_by_occurrence(meeting_ids) if can_manage else {},
        answer_labels=answer_labels(),
        history=ownership.past_holders(arena),
        pending=services.pending_proposals(arena),
        can_manage=can_manage,
        following=services.is_following(current_user, arena),
        can_take=access.can_take_responsibility(current_user, arena),
        lapsed=ownership.review_lapsed(arena),
        propose_form=ProposeForm(),
        feed_url=absolute_url("calendar.arena_feed", slug=arena.slug) if arena.is_public else None,
    )


@bp.route("/arenas/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    """Change an arena's description (owner, deputy, admins)."""
    arena = services.get_arena(slug, current_user)
    if not access.can_manage_arena(current_user, arena):
        abort(403)
    form = ArenaForm(obj=arena)
    form.fill_choices(organisations.organisation_choices())
    if request.method == "GET":
        form.organisation_ids.data = [o.id for o in arena.organisations]
    if form.validate_on_submit():
        try:
            services.update_arena(current_user, arena, form.to_input())
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("arenas.show", slug=arena.slug))
    return render_template("arenas/form.html", form=form, arena=arena, similar=[])


def _act(action, message: str, slug: str | None = None):
    """Runs a button's action (CSRF checked); a refusal other than 403/404 becomes a notice."""
    try:
        action()
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash(error.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("arenas.show", slug=slug) if slug else url_for("arenas.index"))


@bp.post("/arenas/<slug>/propose")
@login_required
def propose(slug: str):
    """The owner (or an admin) proposes a new owner or a deputy."""
    arena = services.get_arena(slug, current_user)
    form = ProposeForm()
    if not form.validate_on_submit():
        flash(_("Skriv e-postadressen til den du vil foreslå."), "error")
        return redirect(url_for("arenas.show", slug=slug))

    try:
        proposal = ownership.propose_role(current_user, arena, form.role.data, form.email.data)
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        flash(error.message, "error")
    else:
        flash(
            _("%(name)s er spurt. Rollen gjelder når hen bekrefter.", name=proposal.member.name),
            "success",
        )
    return redirect(url_for("arenas.show", slug=slug))


@bp.post("/proposals/<int:proposal_id>/accept")
@login_required
def accept(proposal_id: int):
    """Accept being owner or deputy."""
    return _act(
        lambda: ownership.accept_proposal(current_user, proposal_id),
        _("Du har bekreftet ansvaret."),
    )


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id: int):
    return _act(
        lambda: ownership.decline_proposal(current_user, proposal_id), _("Du har sagt nei takk.")
    )


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    return _act(
        lambda: ownership.withdraw_proposal(current_user, proposal_id),
        _("Forslaget er trukket tilbake."),
    )


@bp.post("/arenas/<slug>/take-responsibility")
@login_required
def take_responsibility(slug: str):
    """Become owner of an arena that has none."""
    arena = services.get_arena(slug, current_user)
    return _act(
        lambda: ownership.take_responsibility(current_user, arena),
        _("Du er nå ansvarlig for %(name)s.", name=arena.name),
        slug,
    )


@bp.post("/arenas/<slug>/follow")
@login_required
def follow(slug: str):
    arena = services.get_arena(slug, current_user)
    if request.form.get("action") == "unfollow":
        return _act(
            lambda: services.unfollow_arena(current_user, arena),
            _("Du følger ikke lenger denne arenaen."),
            slug,
        )
    return _act(
        lambda: services.follow_arena(current_user, arena),
        _("Du følger nå arenaen. Møtene kommer i din personlige kalender."),
        slug,
    )


@bp.post("/arenas/<slug>/review")
@login_required
def review(slug: str):
    """The owner confirms the arena is alive and its purpose and deputy right."""
    arena = services.get_arena(slug, current_user)
    return _act(
        lambda: ownership.confirm_review(current_user, arena),
        _("Takk! Neste gjennomgang er om et år."),
        slug,
    )


@bp.post("/arenas/<slug>/archive")
@login_required
def archive(slug: str):
    """The owner, deputy or an admin archives an arena that has finished its work."""
    arena = services.get_arena(slug, current_user)
    try:
        cancelled = archiving.archive_arena(current_user, arena)
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        message = ngettext(
            "Arenaen er arkivert. %(num)s kommende møte er avlyst.",
            "Arenaen er arkivert. %(num)s kommende møter er avlyst.",
            cancelled,
        )
        flash(message, "success")
    return redirect(url_for("arenas.show", slug=arena.slug))


@bp.post("/arenas/<slug>/reopen")
@login_required
def reopen(slug: str):
    arena = services.get_arena(slug, current_user)
    return _act(
        lambda: archiving.reopen_arena(current_user, arena), _("Arenaen er åpnet igjen."), slug
    )


@bp.route("/arenas/<slug>/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(slug: str):
    """Add a meeting or a series (owner, deputy, admins)."""
    arena = services.get_arena(slug, current_user)
    if not access.can_manage_arena(current_user, arena):
        abort(403)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meetings.create_meeting(current_user, arena, form.to_input())
        except ValidationFailed as failure:
            _meeting_errors(form, failure)
        else:
            flash(_("Møtet er lagt inn."), "success")
            return redirect(url_for("arenas.show", slug=arena.slug))
    return render_template(
        "arenas/meeting_form.html", form=form, arena=arena, meeting=None, repeats=repeat_labels()
    )


def _meeting_errors(form, failure: ValidationFailed) -> None:
    renamed = {
        "starts_at": "start",
        "ends_at": "end",
        "recurrence": "repeat",
        "repeat_until": "repeat_until",
        "online_url": "online_url",
    }
    show_service_errors(
        form,
        ValidationFailed(
            failure.message,
            {renamed.get(key, key): message for key, message in failure.fields.items()},
        ),
    )


def _meeting(meeting_id: int) -> Meeting:
    """A meeting the signed-in member may change (the forms are for those only)."""
    meeting = meetings.get_meeting(meeting_id, current_user)
    if not access.can_manage_arena(current_user, meeting.arena):
        abort(403)
    return meeting


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(meeting_id: int):
    """Edit a meeting or a whole series."""
    meeting = _meeting(meeting_id)
    form = MeetingForm()
    if request.method == "GET":
        form.title.data, form.description.data = meeting.title, meeting.description
        form.location.data, form.online_url.data = meeting.location, meeting.online_url
        form.day.data, form.start.data = meeting.starts_at.date(), meeting.starts_at.time()
        form.end.data = meeting.ends_at.time() if meeting.ends_at else None
        form.repeat.data = "none"
    if form.validate_on_submit():
        data = form.to_input()
        if data.recurrence is None:
            data.rrule = meeting.rrule  # keeping the series as it is unless a new one is chosen
        changed_before = len(meeting.exceptions)
        try:
            meetings.update_meeting(current_user, meeting, data)
        except ValidationFailed as failure:
            _meeting_errors(form, failure)
        else:
            flash(_("Møtet er endret."), "success")
            if dropped := changed_before - len(meeting.exceptions):
                flash(
                    ngettext(
                        "%(num)d flyttet eller avlyst møte passet ikke lenger i serien og er "
                        "fjernet.",
                        "%(num)d flyttede eller avlyste møter passet ikke lenger i serien og er "
                        "fjernet.",
                        dropped,
                    ),
                    "info",
                )
            return redirect(url_for("arenas.show", slug=meeting.arena.slug))
    return render_template(
        "arenas/meeting_form.html",
        form=form,
        arena=meeting.arena,
        meeting=meeting,
        repeats=repeat_labels(),
    )


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel_meeting(meeting_id: int):
    """Cancel a meeting or a whole series."""
    meeting = _meeting(meeting_id)
    return _act(
        lambda: meetings.cancel_meeting(current_user, meeting),
        _("Møtet er avlyst."),
        meeting.arena.slug,
    )


@bp.post("/meetings/<int:meeting_id>/occurrence")
@login_required
def change_occurrence(meeting_id: int):
    """Cancel or move one occurrence of a series."""
    meeting = _meeting(meeting_id)
    form = OccurrenceForm()
    if not form.validate_on_submit():
        flash(_("Skriv en gyldig ny dato og tid."), "error")
        return redirect(url_for("arenas.show", slug=meeting.arena.slug))
    try:
        occurrence = datetime.fromisoformat(form.occurrence.data)
    except ValueError:
        abort(400)
    new_start = new_end = None
    if form.action.data == "move":
        if not (form.day.data and form.start.data):
            flash(_("Skriv ny dato og starttid."), "error")
            return redirect(url_for("arenas.show", slug=meeting.arena.slug))
        new_start = datetime.combine(form.day.data, form.start.data)
        new_end = datetime.combine(form.day.data, form.end.data) if form.end.data else None
    message = _("Møtet er flyttet.") if form.action.data == "move" else _("Møtet er avlyst.")
    return _act(
        lambda: meetings.change_occurrence(
            current_user, meeting, occurrence, form.action.data, new_start, new_end
        ),
        message,
        meeting.arena.slug,
    )
