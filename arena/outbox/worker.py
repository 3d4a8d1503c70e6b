"""`flask --app arena worker`: delivers the outbox and runs the timetable until SIGTERM, after
which it finishes the message in hand and puts the rest of its batch back."""

import os
import signal
import socket
import threading

from flask import current_app

from arena.extensions import db
from arena.outbox import delivery, jobs, schedule

#: Jobs run before each delivery round, at most this many (their messages go out in it).
JOBS_PER_ROUND = 20


def run(once: bool = False) -> int:
    """Works until stopped (or, with `once`, until nothing is due). Returns messages handled."""
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
