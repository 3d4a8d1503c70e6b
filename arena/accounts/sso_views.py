"""Pages of single sign-on: start at the provider, come back, finish as a newcomer, and remove
a linked sign-in. The protocol is Authlib's (arena/accounts/sso.py)."""

from authlib.common.errors import AuthlibBaseError
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from joserfc.errors import JoseError
from requests import RequestException

from arena.accounts import sso
from arena.accounts.forms import SsoFinishForm
from arena.accounts.views import LOGIN_LIMIT, bp, sign_in
from arena.errors import PermissionDenied, ValidationFailed
from arena.extensions import limiter
from arena.forms import show_service_errors
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.web import safe_next

#: What a forged, replayed, expired or otherwise wrong answer from a provider raises.
REFUSED = (AuthlibBaseError, JoseError, KeyError, ValueError, TypeError)


@bp.get("/auth/sso/<name>")
@limiter.limit(LOGIN_LIMIT)
def sso_start(name: str):
    """Sends the browser to the provider's sign-in page."""
    entry = sso.provider(name)
    session["sso_next"] = safe_next(request.args.get("next", ""), url_for("main.index"))
    try:
        return sso.client(name).authorize_redirect(absolute_url("accounts.sso_callback", name=name))
    except RequestException:
        return _failed(
            entry,
            _("%(provider)s svarer ikke nå. Prøv igjen om litt.", provider=entry["label"]),
            503,
        )


@bp.get("/auth/sso/<name>/callback")
@limiter.limit(LOGIN_LIMIT)
def sso_callback(name: str):
    """The provider sends the browser back: check everything, then sign in."""
    entry = sso.provider(name)
    try:
        token = sso.client(name).authorize_access_token(
            claims_options=sso.claims_options(name),
            leeway=current_app.config["SSO_CLOCK_SKEW_SECONDS"],
        )
        claims = sso.read_claims(name, token)
        found = sso.SignIn.from_claims(name, claims, sso.announced_issuer(name))
    except RequestException:
        return _failed(
            entry,
            _("%(provider)s svarer ikke nå. Prøv igjen om litt.", provider=entry["label"]),
            503,
        )
    except REFUSED as error:
        # The reason goes to the log, never the token or the claims.
        current_app.logger.warning("Sign-in with %s refused: %s", name, type(error).__name__)
        return _failed(
            entry,
            _(
                "Arena kunne ikke bekrefte innloggingen med %(provider)s. Prøv igjen.",
                provider=entry["label"],
            ),
            400,
        )
    try:
        outcome = sso.complete(found)
    except (PermissionDenied, ValidationFailed) as refusal:
        return _failed(
            entry, refusal.message, 403 if isinstance(refusal, PermissionDenied) else 400
        )
    if outcome.step == "signed_in":
        return _signed_in(outcome.member, name)
    session["sso_pending"] = found.as_pending()
    if outcome.step == "needs_password":
        flash(
            _(
                "%(provider)s bekrefter ikke adressen %(email)s for Arena. Har du en konto med "
                "den, logg inn med passordet ditt én gang, så kobles innloggingen med "
                "%(provider)s til kontoen. Har du ingen konto, registrer deg.",
                email=found.email,
                provider=entry["label"],
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.sso_finish"))


def _signed_in(member, name: str):
    sign_in(member)
    session["sso_provider"] = name
    return redirect(session.pop("sso_next", None) or url_for("main.index"))


def _failed(entry: dict, message: str, status: int):
    return render_template("accounts/sso_failed.html", message=message, provider=entry), status


@bp.route("/auth/sso/finish", methods=["GET", "POST"])
def sso_finish():
    """A newcomer whose organisation Arena could not tell chooses it."""
    pending = sso.SignIn.from_pending(dict(session.get("sso_pending") or {}))
    if pending is None:
        flash(_("Innloggingen er for gammel. Logg inn på nytt."), "error")
        return redirect(url_for("accounts.login"))
    form = SsoFinishForm(name=pending.name)
    form.fill_choices(organisations.organisation_choices())
    if form.validate_on_submit():
        try:
            member = sso.finish_new_member(
                pending, form.name.data, form.title.data or "", form.organisation_id.data
            )
        except ValidationFailed as failure:
            show_service_errors(form, failure)
        else:
            session.pop("sso_pending", None)
            flash(_("Velkommen til Arena!"), "success")
            sign_in(member)
            session["sso_provider"] = pending.provider
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/sso_finish.html",
        form=form,
        email=pending.email,
        provider=sso.label(pending.provider),
    )


@bp.post("/profile/sign-ins/<int:identity_id>/remove")
@login_required
def remove_sign_in(identity_id: int):
    try:
        sso.unlink(current_user, identity_id)
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(_("Innloggingen er fjernet."), "success")
    return redirect(url_for("accounts.profile", _anchor="sign-ins-heading"))
