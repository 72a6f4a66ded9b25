"""Who may do what with releases: the public reads published ones; only the secretariat (the joint
meeting's office) assembles, previews, publishes and discards."""

from __future__ import annotations

from admission.accounts.models import Account
from admission.errors import Forbidden

MANAGERS = ("secretariat",)


def can_manage(account: Account | None) -> bool:
    return account is not None and account.has_role(*MANAGERS)


def check_manage(account: Account | None) -> None:
    if not can_manage(account):
        raise Forbidden("只有联席会议办公室（县委编办）可以编制和发布清单版本")
