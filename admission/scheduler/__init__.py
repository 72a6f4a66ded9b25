"""Scheduled work: reminders, overdue marking, automatic stage closing, expiry, email.

Deadlines live on rows, never in pickled jobs: one sweep (``tick``) looks at the rows as of a given
time and does whatever is due, idempotently, so that a restart catches up and a second scheduler
adds nothing.
"""
