"""Sign-in, registration, password reset, profiles, member pages, API tokens and member admin."""

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from arena.accounts import membership, services, sessions, sso
from arena.accounts.forms import (
    NEW_ORGANISATION,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    TokenForm,
)
from arena.errors import ValidationFailed
from arena.extensions import (
    EMAILS_PER_ADDRESS_LIMIT,
    SECRETS_LIMIT,
    limiter,
    submitted_email,
)
from arena.forms import show_service_errors
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.web import safe_next

bp = Blueprint("accounts", __name__)

LOGIN_LIMIT = SECRETS_LIMIT


@bp.route("/auth/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=submitted_email)
def login():
    """Sign in with email and password."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        member = services.authenticate(form.email.data, form.password.data)
        if member is not None and member.organisation.sso_required:
            form.form_errors.append(
                _(
                    "%(organisation)s logger inn med sin egen innlogging. Bruk knappen under.",
                    organisation=member.organisation.name,
                )
            )
        elif member is not None:
            pending = sso.SignIn.from_pending(session.pop("sso_pending", None))
            if pending is not None and pending.email == member.email:
                sso.link(member, pending)  # the password proved the account is theirs
                flash(
                    _(
                        "Innloggingen med %(provider)s er koblet til kontoen din.",
                        provider=sso.label(pending.provider),
                    ),
                    "success",
                )
            sign_in(member)
            return redirect(safe_next(form.next.data, url_for("main.index")))
        else:
            form.form_errors.append(_("Feil e-post eller passord."))
    return render_template("accounts/login.html", form=form, providers=sso.providers())


def sign_in(member) -> None:
    """Starts a session the server can end, and signs this browser in with it."""
    sessions.start_session(member)
    login_user(member)


def sign_out() -> None:
    """Ends this browser's session on the server too, so a copied cookie is worthless."""
    if current_user.is_authenticated:
        sessions.end_session(current_user.session_token)
    logout_user()


@bp.post("/auth/logout")
def logout():
    """Sign out of Arena and, after a single sign-on whose provider offers it, of the provider
    too."""
    provider = session.pop("sso_provider", None)
    sign_out()
    flash(_("Du er logget ut."), "success")
    if provider is not None:
        end_session = sso.end_session_url(provider, absolute_url("main.index"))
        if end_session:
            return redirect(end_session)
    return redirect(url_for("main.index"))


@bp.post("/profile/sessions/end")
@login_required
def sign_out_everywhere():
    """Sign out on every device and browser, this one too."""
    sessions.sign_out_everywhere(current_user, current_user._get_current_object())
    logout_user()
    flash(_("Du er logget ut på alle enheter."), "success")
    return redirect(url_for("accounts.login"))


#: Registration mails whoever owns the address typed: limited per sender, and per address for
#: the registrations that send an email (so nobody's inbox can be flooded).
REGISTER_LIMIT = "10/minute;50/hour"
REGISTER_PER_ADDRESS_LIMIT = "3/hour"


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
@limiter.limit(
    REGISTER_PER_ADDRESS_LIMIT,
    methods=["POST"],
    key_func=submitted_email,
    deduct_when=lambda response: response.status_code == 302,
)
def register():
    """Create an account in an existing or a newly proposed organisation."""
    form = RegisterForm()
    form.fill_choices(organisations.organisation_choices(), organisations.municipalities())
    if form.validate_on_submit():
        new_org = None
        if form.organisation_id.data == NEW_ORGANISATION:
            new_org = organisations.OrganisationInput(
                name=form.new_organisation_name.data,
                kind=form.new_organisation_kind.data,
                municipality_id=_int_or_none(form.new_organisation_municipality_id.data),
                org_number=form.new_organisation_org_number.data or "",
            )
        try:
            email = membership.register(
                email=form.email.data,
                name=form.name.data,
                title=form.title.data or "",
                organisation_id=_int_or_none(form.organisation_id.data),
                new_organisation=new_org,
            )
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            # The same answer whether or not the address was known (registration_sent).
            session["registered_email"] = email
            return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form, providers=sso.providers())


@bp.get("/auth/register/sent")
def registration_sent():
    """Where registration ends: look in your inbox."""
    return render_template(
        "accounts/register_sent.html", email=session.pop("registered_email", None)
    )


@bp.route("/auth/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(SECRETS_LIMIT, methods=["POST"])
def confirm(token: str):
    """From the emailed link: confirm the address and choose a password."""
    g.no_store = True
    member = services.member_for_link(token, "confirm-email")
    if member is None:
        return render_template("accounts/confirm_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            member = membership.confirm_registration(token, form.password.data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            sign_in(member)
            if member.is_verified:
                flash(
                    _(
                        "Velkommen! Du er bekreftet som medlem av %(organisation)s.",
                        organisation=member.organisation.name,
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Velkommen! %(organisation)s må bekrefte at du hører til der; vi har sagt "
                        "fra. Til da kan du fylle ut profilen din.",
                        organisation=member.organisation.name,
                    ),
                    "info",
                )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/confirm.html", form=form, member=member)


def _int_or_none(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@bp.route("/auth/forgot", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(EMAILS_PER_ADDRESS_LIMIT, methods=["POST"], key_func=submitted_email)
def forgot_password():
    """Ask for a password reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address is registered.
        flash(
            _(
                "Hvis adressen er registrert, har vi sendt en lenke for å lage nytt passord. "
                "Lenken virker i én time."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@limiter.limit(SECRETS_LIMIT, methods=["POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    g.no_store = True
    if services.member_for_reset_token(token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            membership.reset_password(token, form.password.data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            flash(_("Passordet er endret. Logg inn med det nye passordet."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
@limiter.limit(SECRETS_LIMIT, methods=["POST"])
def tokens():
    """List, create and revoke one's own API tokens."""
    g.no_store = True
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = services.create_api_token(current_user, current_user, form.name.data)
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            form = TokenForm(formdata=None)
    return render_template("accounts/tokens.html", form=form, new_token=new_token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Switch off one of one's own API tokens."""
    services.revoke_api_token(current_user, token_id)
    flash(_("Nøkkelen er trukket tilbake og virker ikke lenger."), "success")
    return redirect(url_for("accounts.tokens"))


from arena.accounts import data_views as _data_views  # noqa: E402, F401
from arena.accounts import membership_views as _membership_views  # noqa: E402, F401
from arena.accounts import sso_views as _sso_views  # noqa: E402, F401
