"""The app served by gunicorn on loopback, as in production, for tests that need real HTTP:
the browser journeys and the reliability suite."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_database(tmp_path_factory, name: str) -> str:
    """A database of its own for a served app: a SQLite file, or a sibling PostgreSQL database
    of TEST_DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp(name) / "arena.sqlite3")
    base = sa.make_url(url)
    database = f"{base.database}_{name}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return base.set(database=database).render_as_string(hide_password=False)


def flask(env: dict, *command: str, stdin: str | None = None) -> str:
    """Runs `flask --app arena COMMAND` against the served app's database."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "arena", *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        input=stdin,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start_gunicorn(
    env: dict, port: int, log_path: Path, workers: int = 2, extra: tuple = ()
) -> subprocess.Popen:
    """gunicorn with sync workers on the port; returns once /healthz answers."""
    with log_path.open("w") as log:  # the server keeps its own copy of the file
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                *extra,
                "wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the app server did not start; see {log_path}")
            time.sleep(0.2)


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    """`flask --app arena worker`, polling often, as `make run` starts it beside the server."""
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "arena", "worker"],
            env={**env, "WORKER_POLL_SECONDS": "0.2"},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_pids(server: subprocess.Popen) -> set[int]:
    """The gunicorn master's current worker processes."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return {int(pid) for pid in children}
