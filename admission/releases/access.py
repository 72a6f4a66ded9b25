"""Who may do what with releases: the public reads published ones; only the secretariat (the joint
meeting's office) assembles, previews, publishes and discards. Villages and communities record that
they published a release locally, a township for its villages; the secretariat and the lead unit
see everyone's progress, a township its own villages'."""

from __future__ import annotations

from admission.accounts.models import Account, Unit
from admission.errors import Forbidden, Invalid

MANAGERS = ("secretariat",)
PROGRESS_READERS = ("secretariat", "lead_unit")


def can_manage(account: Account | None) -> bool:
    return account is not None and account.has_role(*MANAGERS)


def check_manage(account: Account | None) -> None:
    if not can_manage(account):
        raise Forbidden("只有联席会议办公室（县委编办）可以编制和发布清单版本")


def posting_unit(account: Account | None, unit: Unit | None, *, named: bool) -> Unit:
    """The unit whose posting ``account`` records: its own (a village or community), or, for a
    township, one of its own villages named in the request."""
    if account is None:
        raise Forbidden("请先登录")
    if account.has_role("village") and not named:
        return account.unit
    if account.has_role("township"):
        if not named:
            raise Invalid("乡镇代村（社区）登记时须写明村（社区）", fields={"unit": "必填：村（社区）编码"})
        if unit is None:
            raise Invalid("没有该村（社区）", fields={"unit": "没有该村（社区）"})
        if unit.township_id != account.unit_id:
            raise Forbidden("只能为本乡镇所辖村（社区）登记公开情况")
        return unit
    if account.has_role("village") and unit is not None and unit.id == account.unit_id:
        return account.unit
    raise Forbidden("只有村（社区）或其所属乡镇可以登记公开情况")


def progress_scope(account: Account | None) -> int | None:
    """None: every township; else the township whose villages the account may see."""
    if account is not None and account.has_role(*PROGRESS_READERS):
        return None
    if account is not None and account.has_role("township"):
        return account.unit_id
    raise Forbidden("只有联席会议办公室、牵头单位和乡镇可以查看公开进度")
