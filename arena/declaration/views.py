"""The declaration, signing and withdrawing, and the public list of ambassadors."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from arena.dates import format_month
from arena.declaration import services
from arena.declaration.forms import SignForm
from arena.organisations import services as organisations
from arena.organisations.forms import kind_choices, kind_labels

bp = Blueprint("declaration", __name__)

#: The rules Arena supports, with the page where each happens (when that page exists).
SUPPORTED_RULES = {4: "initiatives.index", 8: "expertise.experts", 10: "arenas.index"}


@bp.get("/declaration")
def show():
    """The declaration's background and ten rules, and signing it."""
    return render_template(
        "declaration/show.html",
        signature=services.signature_of(current_user),
        form=SignForm(),
        supported_rules=SUPPORTED_RULES,
    )


@bp.post("/declaration/sign")
def sign():
    """Sign the declaration, with or without being listed publicly."""
    if not current_user.is_authenticated:
        flash(_("Logg inn for å signere erklæringen."), "info")
        return redirect(url_for("accounts.login", next=url_for("declaration.show")))
    form = SignForm()
    if not form.validate_on_submit():
        abort(400)
    signature = services.sign_declaration(current_user, bool(form.public_consent.data))
    if signature.public_consent:
        flash(_("Takk! Du er nå ambassadør og vises på lista over ambassadører."), "success")
    else:
        flash(_("Takk! Du er nå ambassadør. Du vises ikke på den offentlige lista."), "success")
    return redirect(url_for("declaration.show"))


@bp.post("/declaration/withdraw")
def withdraw():
    """Withdraw one's signature; one leaves the public list at once."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=url_for("declaration.show")))
    services.withdraw_signature(current_user)
    flash(_("Signaturen din er trukket tilbake."), "success")
    return redirect(url_for("declaration.show"))


@bp.get("/ambassadors")
def ambassadors():
    """Public list of consenting ambassadors, searchable and filterable, with counts."""
    kinds = dict(kind_choices())
    all_municipalities = organisations.municipalities()
    chosen = services.AmbassadorFilter(
        query=request.args.get("q", "")[: services.MAX_QUERY_LENGTH],
        kind=request.args.get("kind") if request.args.get("kind") in kinds else None,
        municipality_id=request.args.get("municipality", type=int),
    )
    if chosen.municipality_id not in {m.id for m in all_municipalities}:
        chosen.municipality_id = None
    everyone = services.public_ambassadors()
    found = services.public_ambassadors(chosen)
    labels = kind_labels()
    by_kind = services.counts_by_kind(everyone)
    return render_template(
        "declaration/ambassadors.html",
        groups=services.group_by_organisation(found),
        found_count=len(found),
        total_count=len(everyone),
        chosen=chosen,
        kinds=kinds,
        municipalities=all_municipalities,
        kind_counts=[(labels[k], n) for k, n in by_kind.most_common()],
        municipality_counts=sorted(services.counts_by_municipality(everyone).items()),
        growth=[(format_month(start), n) for start, n in services.ambassador_growth(everyone)],
    )
