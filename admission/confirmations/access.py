"""Who opens a round, who confirms a duty, who reads the progress."""

from __future__ import annotations

from admission.errors import Forbidden

READERS = ("secretariat", "lead_unit", "oversight")


def check_can_open(account) -> None:
    if not account.has_role("secretariat"):
        raise Forbidden("只有联席会议办公室可以发起年度确认")


def can_read_progress(account) -> bool:
    return account.has_role(*READERS)


def check_can_read_progress(account) -> None:
    if not can_read_progress(account):
        raise Forbidden("只有联席会议办公室、牵头单位和监督单位可以查看确认进度")
