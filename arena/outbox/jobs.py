"""Jobs: database work queued with a change and done by the worker, each in one transaction
with the messages it queues. A job is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL and
holds that lock while it runs (it only writes rows, no network), so two workers never run the
same job and a worker that dies leaves it for the next."""

import traceback
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from arena.dates import utcnow
from arena.extensions import db
from arena.links import base_url
from arena.outbox.delivery import retry_pause
from arena.outbox.models import OutboxJob

HANDLERS: dict[str, Callable[..., object]] = {}
GIVE_UP_AFTER_ATTEMPTS = 10


def handler(name: str):
    """Registers the function that does jobs of this name (it takes the payload as keywords)."""

    def register(function: Callable[..., object]) -> Callable[..., object]:
        HANDLERS[name] = function
        return function

    return register


def queue_job(name: str, **payload) -> OutboxJob:
    """Stores the job in the current transaction; the caller's commit makes it due."""
    if name not in HANDLERS:
        raise ValueError(f"no handler for job {name}")
    job = OutboxJob(name=name, payload=payload, next_attempt_at=utcnow(), created_at=utcnow())
    db.session.add(job)
    return job


def queue_coalesced_job(name: str, **payload) -> OutboxJob:
    """Like queue_job, but the same job still waiting to start is used instead of a second one:
    ten edits before the worker comes round cause one run, which finds them all."""
    if name not in HANDLERS:
        raise ValueError(f"no handler for job {name}")
    waiting = db.session.scalars(
        sa.select(OutboxJob).where(
            OutboxJob.name == name, OutboxJob.status == "queued", OutboxJob.attempts == 0
        )
    )
    job = next((j for j in waiting if j.payload == payload), None)
    return job if job is not None else queue_job(name, **payload)


def queue_settled_job(name: str, settle: timedelta, **payload) -> OutboxJob:
    """Like queue_coalesced_job, but run only once things have been still for `settle`: a
    member who changes their mind back and forth within minutes causes one run, which finds
    what they chose last."""
    job = queue_coalesced_job(name, **payload)
    job.next_attempt_at = utcnow() + settle
    return job


def run_next_job(names: tuple[str, ...] | None = None) -> bool:
    """Runs one due job (of these names, or any); False when none is due."""
    return _run_one(names) is not None


def run_jobs(names: tuple[str, ...]) -> dict[str, list]:
    """Runs the due jobs of these names until none is left (a by-hand command's round, which
    includes the jobs they queue); returns what each returned."""
    results: dict[str, list] = {}
    while (ran := _run_one(names)) is not None:
        name, result = ran
        results.setdefault(name, []).append(result)
    return results


def _run_one(names: tuple[str, ...] | None) -> tuple[str, object] | None:
    query = sa.select(OutboxJob).where(
        OutboxJob.status == "queued", OutboxJob.next_attempt_at <= utcnow()
    )
    if names is not None:
        query = query.where(OutboxJob.name.in_(names))
    job = db.session.scalars(
        query.order_by(OutboxJob.next_attempt_at, OutboxJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job is None:
        db.session.rollback()
        return None
    job_id, name, payload = job.id, job.name, dict(job.payload)
    result = None
    try:
        with current_app.test_request_context(base_url=base_url()):  # templates need one
            result = HANDLERS[name](**payload)
        job.status, job.done_at, job.attempts = "done", utcnow(), job.attempts + 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Job %s (%s) failed", job_id, name)
        _failed(job_id, traceback.format_exc(limit=1).strip().splitlines()[-1])
    return name, result


def _failed(job_id: int, reason: str) -> None:
    job = db.session.get(OutboxJob, job_id)
    job.attempts += 1
    job.last_error = reason[:500]
    if job.attempts >= GIVE_UP_AFTER_ATTEMPTS:
        job.status = "failed"
    else:
        job.next_attempt_at = utcnow() + retry_pause(job.attempts)
    db.session.commit()


def forget_done_jobs(before) -> int:
    result = db.session.execute(
        sa.delete(OutboxJob).where(OutboxJob.status == "done", OutboxJob.done_at < before)
    )
    db.session.commit()
    return result.rowcount
