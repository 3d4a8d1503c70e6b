"""The outbox: every email and job Arena queues, written in the transaction of the change that
causes it; the worker that delivers and runs them; the timetable of scheduled work; and what
each member has chosen to receive. Infrastructure: it imports no area. Areas register their
jobs (`jobs.handler`) and timetable slots (`schedule.slot`), and the kinds of email they send."""
