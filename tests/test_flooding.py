"""One account sending many emails: join requests, password resets, and limits that must hold
across every web process (counted in a shared Redis, as production runs, not in each process's
memory)."""

import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests
from live import flask, free_port, server_database, start_gunicorn, stop


def test_join_requests_are_limited_per_member(
    client, post_form, make_member, make_organisation, login_as, smtp_server
):
    """Thirty posts used to mean thirty emails to two organisations' contacts in seconds."""
    skien, porsgrunn = make_organisation("Skien kommune"), make_organisation("Porsgrunn kommune")
    for org in (skien, porsgrunn):
        make_member(org=org, is_organisation_contact=True)
    login_as(make_member(org=skien, verified=False))
    statuses = []
    for n in range(30):
        org = (skien, porsgrunn)[n % 2]
        answer = post_form(
            "/profile/membership",
            {"membership-organisation_id": str(org.id)},
            token_from="/profile",
        )
        statuses.append(answer.status_code)
    assert statuses.count(302) == 3 and statuses.count(429) == 27
    assert len(smtp_server) == 3


def test_password_resets_are_limited_per_address(client, post_form, make_member, smtp_server):
    member = make_member(email="kari@example.no")
    statuses = [
        post_form("/auth/forgot", {"email": address}, token_from="/auth/forgot").status_code
        for address in ["kari@example.no", "KARI@Example.no "] * 5
    ]
    assert statuses == [302] * 3 + [429] * 7
    assert [m["To"].addresses[0].addr_spec for m in smtp_server] == [member.email] * 3


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real Redis on loopback, as the store production's web processes share."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs the Debian package")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            import redis

            redis.Redis(port=port).ping()
            break
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


def test_limits_hold_across_every_web_process(tmp_path_factory, redis_server):
    """Four gunicorn workers answering at once: with the shared store the address still gets
    three reset emails, not three per process."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": server_database(tmp_path_factory, "flooding"),
        "SECRET_KEY": "flooding-tests",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_STORAGE_URI": redis_server,
    }
    flask(env, "db", "upgrade")
    server = start_gunicorn(env, port, tmp_path_factory.getbasetemp() / "flooding.log", workers=4)
    base = f"http://127.0.0.1:{port}"
    statuses = []
    try:

        def ask():
            browser = requests.Session()
            page = browser.get(f"{base}/auth/forgot", timeout=10).text
            token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
            answer = browser.post(
                f"{base}/auth/forgot",
                data={"csrf_token": token.group(1), "email": "kari@example.no"},
                allow_redirects=False,
                timeout=10,
            )
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=ask) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        stop(server)
    assert sorted(statuses) == [302] * 3 + [429] * 13
