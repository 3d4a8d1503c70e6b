"""Notifications: the outbox every email goes through, the worker that delivers it, and what
each member has chosen to receive."""
