"""The profile page: one's own account, fields of expertise, calendar link, sign-ins and
membership on one page, and another member's page. It shows several areas, so it lives above
them; its routes stay on the accounts and expertise blueprints, so addresses and endpoint names
are those of the areas whose forms it carries."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.accounts import feed_tokens, membership, sso
from arena.accounts import services as accounts
from arena.accounts.forms import ChangePasswordForm, MembershipForm, ProfileForm
from arena.accounts.views import bp as accounts_bp
from arena.declaration import services as declaration
from arena.errors import ValidationFailed
from arena.expertise import services as expertise
from arena.expertise.forms import AddExpertiseForm, EditExpertiseForm, level_labels
from arena.expertise.views import bp as expertise_bp
from arena.extensions import JOIN_REQUESTS_LIMIT, limiter, signed_in_member
from arena.forms import show_service_errors
from arena.organisations import services as organisations
from arena.outbox import settings as notification_settings


@accounts_bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Edit one's own profile."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.preferred_language.data = current_user.preferred_language or "nb"
    if form.validate_on_submit():
        try:
            data = accounts.ProfileInput(
                **{name: form.data[name] for name in accounts.ProfileInput.__dataclass_fields__}
            )
            accounts.update_profile(current_user, current_user, data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            session.pop("lang", None)  # the language just saved is the one to show
            flash(_("Profilen er lagret."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(form=form)


def render_profile(
    form=None,
    password_form=None,
    add_form=None,
    suggestions=(),
    unresolved=False,
    membership_form=None,
):
    """The profile page with whichever of its forms carries errors."""
    member = current_user._get_current_object()
    if form is None:
        form = ProfileForm(obj=member, formdata=None)
        form.preferred_language.data = member.preferred_language or "nb"
    if membership_form is None and not member.is_verified:
        membership_form = MembershipForm(
            prefix="membership", formdata=None, organisation_id=member.organisation_id
        )
        membership_form.fill_choices(organisations.organisation_choices())
    entries = expertise.expertise_of(member)
    edit_forms = {
        e.area_id: EditExpertiseForm(formdata=None, level=e.level, note=e.note) for e in entries
    }
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form or ChangePasswordForm(prefix="pw"),
        add_form=add_form or AddExpertiseForm(formdata=None),
        suggestions=suggestions,
        unresolved=unresolved,
        entries=entries,
        edit_forms=edit_forms,
        levels=level_labels(),
        missing=expertise.missing_from_profile(member),
        needs_review=expertise.profile_needs_review(member),
        all_areas=expertise.areas_for(current_user),
        feed_url=feed_tokens.personal_feed_url(member),
        invitations_on=notification_settings.choice_of(member, "meeting_invitations") == "on",
        membership_form=membership_form,
        answers_requests=member.is_admin or member.is_organisation_contact,
        identities=sso.identities_of(member),
        providers=sso.providers(),
        provider_label=sso.label,
    )


@accounts_bp.post("/profile/password")
@login_required
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, current_user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Passordet er endret."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(password_form=form), 422


@accounts_bp.post("/profile/membership")
@login_required
@limiter.limit(JOIN_REQUESTS_LIMIT, key_func=signed_in_member)
def request_membership():
    """Ask to join an organisation (when not yet verified)."""
    form = MembershipForm(prefix="membership")
    form.fill_choices(organisations.organisation_choices())
    if form.validate_on_submit():
        try:
            org = membership.request_membership(current_user, int(form.organisation_id.data))
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            if current_user.is_verified:
                message = _("Du er bekreftet som medlem av %(name)s.", name=org.name)
            else:
                message = _("Vi har spurt %(name)s om å bekrefte medlemskapet.", name=org.name)
            flash(message, "success")
            return redirect(url_for("accounts.profile", _anchor="membership-heading"))
    return render_profile(membership_form=form), 422


@expertise_bp.post("/profile/expertise")
@login_required
def add_expertise():
    """Add a field of expertise to one's profile (suggesting existing ones before a new one)."""
    form = AddExpertiseForm()
    if not form.validate_on_submit():
        return render_profile(add_form=form), 422
    area, suggestions = None, []
    try:
        if form.area_id.data and form.area_id.data.isdigit():
            area = expertise.areas_by_ids([int(form.area_id.data)])[0]
        elif form.propose.data == "1":
            area = expertise.propose_area(current_user, form.area.data)
        else:
            area, suggestions = expertise.resolve_area(current_user, form.area.data)
        if area is None:
            return render_profile(add_form=form, suggestions=suggestions, unresolved=True)
        expertise.set_expertise(current_user, current_user, area, form.level.data, form.note.data)
    except ValidationFailed as failure:
        show_service_errors(form, failure)
        return render_profile(add_form=form), 422
    flash(
        _("%(area)s er lagt til på profilen din.", area=area.display_name(str(get_locale()))),
        "success",
    )
    return redirect(url_for("accounts.profile") + "#expertise-heading")


@accounts_bp.get("/members/<int:member_id>")
@login_required
def member(member_id: int):
    """Another member's profile (for signed-in members only)."""
    member = accounts.get_member(member_id)
    return render_template(
        "accounts/member.html",
        member=member,
        ambassador=declaration.is_ambassador(member),
        entries=expertise.expertise_of(member),
        levels=level_labels(),
    )
