"""`flask --app arena worker`: delivers the outbox and runs the timetable until SIGTERM, after
which it finishes the message in hand and puts the rest of its batch back."""

import fcntl
import os
import signal
import socket
import threading

from flask import current_app

from arena.extensions import db
from arena.outbox import delivery, jobs, schedule

#: Jobs run before each delivery round, at most this many (their messages go out in it).
JOBS_PER_ROUND = 20


def only_worker_on_sqlite():
    """SQLite has one writer: a second worker would wait on its locks and, as claims lapse,
    send messages twice. The first worker holds a lock on a file beside the database (the
    operating system lets go of it when the process ends, however it ends); a second refuses
    to start. Returns the held file (None on PostgreSQL, where any number may run)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    held = open(f"{url.database}.worker-lock", "w")  # noqa: SIM115 - held while the worker runs
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        raise SystemExit(
            "Another worker is running on this SQLite database. SQLite has one writer, so one "
            "worker delivers for it; run more workers with PostgreSQL."
        ) from None
    return held


def run(once: bool = False) -> int:
    """Works until stopped (or, with `once`, until nothing is due). Returns messages handled."""
    lock = only_worker_on_sqlite()  # noqa: F841 - held until the process ends
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    name = f"{socket.gethostname()}:{os.getpid()}"
    poll = current_app.config["WORKER_POLL_SECONDS"]
    logger = current_app.logger
    logger.info("Worker %s started", name)
    handled = 0
    while not stop.is_set():
        try:
            for job in schedule.run_due():
                logger.info("Ran %s", job)
            ran = 0
            while ran < JOBS_PER_ROUND and not stop.is_set() and jobs.run_next_job():
                ran += 1
            done = delivery.deliver_due(name, stopping=stop.is_set)
            done.jobs = ran
        except Exception:  # a database or template failure: log, wait, go on
            logger.exception("Worker round failed")
            db.session.rollback()
            done = delivery.Round()
            if once:
                raise
        finally:
            db.session.remove()
        handled += done.handled
        if done.handled:
            logger.info(
                "Jobs %d; sent %d, retrying %d, failed %d",
                done.jobs,
                done.sent,
                done.retried,
                done.failed,
            )
            continue
        if once:
            break
        stop.wait(poll)
    logger.info("Worker %s stopped", name)
    return handled
