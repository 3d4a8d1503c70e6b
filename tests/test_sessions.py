"""Sessions live on the server: signing out, changing or resetting the password, deactivation and
«sign out everywhere» make a copied session cookie worthless."""

import pytest
from conftest import PASSWORD, csrf_token

from arena.accounts import membership, services, sessions


def signed_in_client(app, member):
    """A browser of its own, signed in through the login form; returns it and its cookie."""
    browser = app.test_client()
    token = csrf_token(browser)
    response = browser.post(
        "/auth/login", data={"csrf_token": token, "email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return browser, browser.get_cookie("session").value


def with_cookie(app, cookie):
    """Another browser that someone copied the session cookie into."""
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="localhost")
    return thief


def can_see_profile(browser) -> bool:
    return browser.get("/profile").status_code == 200


def test_a_copied_cookie_stops_working_at_sign_out(app, make_member):
    member = make_member(email="ingrid@usn.no")
    browser, cookie = signed_in_client(app, member)
    thief = with_cookie(app, cookie)
    assert can_see_profile(thief)  # the attack works while the session lasts
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/profile")})
    assert not can_see_profile(browser)
    assert not can_see_profile(thief)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, make_member):
    member = make_member(email="ingrid@usn.no")
    laptop, _cookie = signed_in_client(app, member)
    phone, _cookie = signed_in_client(app, member)
    response = laptop.post(
        "/profile/password",
        data={
            "csrf_token": csrf_token(laptop, "/profile"),
            "pw-current_password": PASSWORD,
            "pw-new_password": "nytt-og-langt-passord",
        },
    )
    assert response.status_code == 302
    assert can_see_profile(laptop) and not can_see_profile(phone)


def test_sign_out_everywhere_ends_every_session(app, make_member):
    member = make_member(email="ingrid@usn.no")
    laptop, _cookie = signed_in_client(app, member)
    phone, _cookie = signed_in_client(app, member)
    html = laptop.get("/profile").get_data(as_text=True)
    assert "Logg ut på alle enheter" in html
    response = laptop.post(
        "/profile/sessions/end", data={"csrf_token": csrf_token(laptop, "/profile")}
    )
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert not can_see_profile(laptop) and not can_see_profile(phone)
    other, _cookie = signed_in_client(app, member)  # signing in again works
    assert can_see_profile(other)


@pytest.mark.parametrize("how", ["deactivated", "password reset"])
def test_deactivation_and_password_reset_end_every_session(app, make_member, how):
    member = make_member(email="ingrid@usn.no")
    browser, cookie = signed_in_client(app, member)
    if how == "deactivated":
        admin = make_member(is_admin=True)
        services.set_active(admin, member, False)
        services.set_active(admin, member, True)  # reactivating does not bring sessions back
    else:
        token = services.password_reset_token(member)
        membership.reset_password(token, "et-helt-nytt-passord")
    assert not can_see_profile(browser)
    assert not can_see_profile(with_cookie(app, cookie))


def test_a_session_ends_after_its_lifetime(app, make_member, clock):
    member = make_member(email="ingrid@usn.no")
    browser, _cookie = signed_in_client(app, member)
    clock.advance(days=sessions.SESSION_LIFETIME.days - 1)
    assert can_see_profile(browser)
    clock.advance(days=1, seconds=1)
    assert not can_see_profile(browser)
