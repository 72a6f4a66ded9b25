"""Named pause points inside multi-step transactions, for crash tests.

An action such as publishing a release is one database transaction of several writes: the release
is published, then each application it carries moves to ``published``, then the audit event is
written. The tests in ``tests/test_faults.py`` kill the server (``kill -9``) in the middle of such a
transaction and check that, after a restart, the database holds either all of it or none of it and
that the audit chain still verifies. To kill the process at a known point they start it with
``ADMISSION_FAULT_PAUSE=<name>``: when the code reaches ``checkpoint(<name>)`` it writes the file named
by ``ADMISSION_FAULT_MARKER`` (so the test knows it got there) and sleeps until it is killed.

Without the variable, which is how the service always runs in production, a checkpoint costs one
environment lookup and does nothing.
"""

from __future__ import annotations

import os
import time

MAX_PAUSE_SECONDS = 60


def checkpoint(name: str) -> None:
    """Pause here (at most 60 s) if ``ADMISSION_FAULT_PAUSE`` names this checkpoint; else do nothing."""
    if os.environ.get("ADMISSION_FAULT_PAUSE") != name:
        return
    marker = os.environ.get("ADMISSION_FAULT_MARKER")
    if marker:
        with open(marker, "w", encoding="utf-8") as f:
            f.write(f"{name} {os.getpid()}\n")
    time.sleep(MAX_PAUSE_SECONDS)
