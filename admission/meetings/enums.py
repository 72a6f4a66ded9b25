"""The joint meeting's closed sets of values."""

from __future__ import annotations

from admission.applications.enums import Labelled
from admission.core.i18n import lazy_gettext as _l


class MeetingKind(Labelled):
    """Annex 3, 三 1: 全体成员会议 or 专题研究论证会议."""

    PLENARY = "plenary", _l("全体会议")
    TOPICAL = "topical", _l("专题会议")


class Outcome(Labelled):
    """The meeting's decision on an application before it."""

    FORWARD = "forward", _l("报县委、县政府审定")
    RETURN = "return", _l("退回修改")
    REJECT = "reject", _l("不予准入")
    DEFER = "defer", _l("暂缓，下次会议再议")
