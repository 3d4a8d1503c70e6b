"""The `flask --app arena ...` commands."""

import sys

import click
from flask import current_app

from arena.errors import ServiceError


def _fail(message: str):
    raise click.ClickException(message)


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow seeding when ARENA_ENV=production.")
@click.option("--if-empty", is_flag=True, help="Only when the database has no members yet.")
def seed_demo_command(force: bool, if_empty: bool) -> None:
    """Load the Vestfold og Telemark demo data (idempotent)."""
    from arena.accounts import services as accounts
    from arena.demo import DEMO_PASSWORD, seed_demo

    if current_app.config["ARENA_ENV"] == "production" and not force:
        _fail("Refusing to load demo data in production (use --force if you mean it).")
    if if_empty and accounts.list_members():
        click.echo("The database already has members; demo data not loaded.")
        return
    counts = seed_demo()
    click.echo(
        f"Demo data ready: {counts['organisations']} organisations, {counts['members']} members "
        f"({counts['new_members']} new). Demo password: {DEMO_PASSWORD}"
    )


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The member's full name.")
@click.option("--organisation", required=True, help="An existing organisation's name or slug.")
@click.option("--admin", is_flag=True, help="Make the member an administrator.")
def create_user_command(email: str, name: str, organisation: str, admin: bool) -> None:
    """Create a member the administrator vouches for (address and membership verified); the
    password is read from stdin, or prompted for twice."""
    from arena.accounts import services as accounts
    from arena.organisations import services as organisations

    org = organisations.find_organisation(organisation)
    if org is None:
        _fail(f"No approved organisation is called {organisation!r}.")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        member = accounts.create_member(
            email=email, name=name, password=password, organisation=org, is_admin=admin
        )
    except ServiceError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
        _fail(details)
    role = "administrator" if admin else "member"
    click.echo(f"Created {role} {member.email} in {org.name}.")


@click.command("create-token")
@click.argument("email")
@click.option("--name", "label", default="CLI", help="A label for the token.")
def create_token_command(email: str, label: str) -> None:
    """Print a new personal API token for the member (shown only this once)."""
    from arena.accounts import services as accounts

    member = accounts.find_member_by_email(email)
    if member is None:
        _fail(f"No member has the email {email!r}.")
    click.echo(accounts.issue_api_token(member, label))


def _run_timetable(group: str) -> None:
    """Takes the group's slots that are due, as a worker would, and does their jobs now."""
    from arena.outbox import jobs, schedule

    taken = schedule.run_due(group)
    names = tuple(name for name, s in schedule.SLOTS.items() if s.group == group)
    done = jobs.run_jobs(names)
    for name in names:
        if name in done:
            click.echo(f"{name}: {sum(r or 0 for r in done[name])}")
        elif name not in taken:
            click.echo(f"{name}: not due (done at its last slot)")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Run the reminders and clean-ups due on the timetable (the worker does this on its own
    every morning, so cron is optional); prints how many each queued or forgot."""
    _run_timetable("reminders")


@click.command("send-digests")
def send_digests_command() -> None:
    """Queue the weekly digests due now (the worker does this on Monday at 07:00 in Oslo; a
    second run in the same week sends nothing more); prints how many were queued."""
    _run_timetable("digests")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due and run due schedules, then stop.")
def worker_command(once: bool) -> None:
    """Deliver queued email and run the daily and weekly schedules until SIGTERM."""
    from arena.outbox import worker

    handled = worker.run(once=once)
    if once:
        click.echo(f"Handled {handled} message(s).")


@click.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index (after changing synonyms or the text pipeline)."""
    from arena.expertise import concepts
    from arena.extensions import db

    counts = concepts.reindex_search()
    db.session.commit()
    click.echo(
        f"Reindexed {counts['areas']} expertise areas, {counts['initiatives']} initiatives, "
        f"{counts['members']} members and {counts['arenas']} arenas."
    )


@click.command("load-vocabulary")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
def load_vocabulary_command(file: str | None) -> None:
    """Add the fields of expertise Arena ships (arena/data/vocabulary.csv, or FILE in its form):
    new concepts, missing labels and links; what admins curated is kept."""
    from pathlib import Path

    from arena.expertise import concepts

    try:
        report = concepts.load_vocabulary(Path(file).read_text("utf-8") if file else None)
    except ValueError as error:
        _fail(f"Not a vocabulary file: {error}.")
    click.echo(
        f"Vocabulary loaded: {len(report.created)} new and {len(report.updated)} updated "
        f"concept(s), {report.links} new link(s)."
    )


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
def import_members_command(file: str, dry_run: bool) -> None:
    """Import members and their expertise from a CSV file (all lines or none)."""
    from pathlib import Path

    from arena.expertise import importer

    report = importer.import_members(None, Path(file).read_bytes(), dry_run=dry_run)
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}" if line else reason, err=True)
    if report.errors:
        _fail(f"{len(report.errors)} line(s) rejected; nothing was imported.")
    verb = "Would import" if dry_run else "Imported"
    click.echo(
        f"{verb} {report.created} new and {report.updated} updated member(s), "
        f"{len(report.new_organisations)} new organisation(s), {len(report.new_areas)} new area(s)."
    )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str) -> None:
    """Copy the SQLite database to PATH while the app runs (PostgreSQL: explains pg_dump)."""
    from pathlib import Path

    from arena import backup

    try:
        size = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(path))
    except backup.BackupError as error:
        _fail(str(error))
    click.echo(f"Backed up the database to {path} ({size / 1024 / 1024:.1f} MB).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
def restore_command(path: str, yes: bool) -> None:
    """Replace all data with a backup made by `backup` (PostgreSQL: explains pg_restore)."""
    from pathlib import Path

    from arena import backup
    from arena.extensions import db

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        backup.check_restore(url, Path(path))
        if not yes:
            if not sys.stdin.isatty():
                _fail("Restoring replaces every row of the current database: add --yes.")
            click.confirm("Replace every row of the current database with the backup?", abort=True)
        db.engine.dispose()  # no pooled connection keeps the old content
        revision = backup.restore(url, Path(path))
    except backup.BackupError as error:
        _fail(str(error))
    click.echo(
        f"Restored {path} (migration {revision}); run `flask --app arena db upgrade` if the "
        "backup is older than this version of Arena."
    )


def register_commands(app) -> None:
    for command in (
        seed_demo_command,
        create_user_command,
        create_token_command,
        send_reminders_command,
        worker_command,
        send_digests_command,
        reindex_command,
        load_vocabulary_command,
        import_members_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)
