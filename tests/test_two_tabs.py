"""One member in two tabs (or with a double click): the same follow, the same first visit to
the front page, sent at the same moment, each get their page; none is a 500."""

import threading

import sqlalchemy as sa
from conftest import sign_in

from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives.models import Follow
from arena.notifications.models import VisitMark

TABS = 8


def at_once(app, member, request) -> list[int]:
    """Sends the request from TABS clients signed in as the member, released together; their
    status codes."""
    clients = [app.test_client() for _ in range(TABS)]
    for client in clients:
        sign_in(client, member)
    start, codes = threading.Barrier(TABS), []

    def tab(client):
        start.wait()
        codes.append(request(client).status_code)

    tabs = [threading.Thread(target=tab, args=(client,)) for client in clients]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    return codes


def test_a_first_visit_to_the_front_page_in_many_tabs(app, make_member):
    member = make_member()
    assert at_once(app, member, lambda client: client.get("/")) == [200] * TABS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitMark)) == 1


def test_following_a_theme_from_many_tabs(app, make_member, monkeypatch):
    member = make_member()
    theme = ExpertiseArea(name="Klima", slug="klima", approved=True)
    db.session.add(theme)
    db.session.commit()
    form = {"kind": "theme", "id": theme.id}
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # each tab had its form
    codes = at_once(app, member, lambda client: client.post("/follow", data=form))
    assert codes == [302] * TABS
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 1
