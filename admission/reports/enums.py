"""The closed sets of values of a report."""

from __future__ import annotations

from admission.applications.enums import Labelled
from admission.core.i18n import lazy_gettext as _l


class Channel(Labelled):
    DOCUMENT = "document", _l("发文")
    NOTICE = "notice", _l("通知")
    PHONE = "phone", _l("电话")
    CHAT_GROUP = "chat_group", _l("工作群")
    MEETING = "meeting", _l("会议布置")
    ONLINE_FORM = "online_form", _l("网上填报")
    OTHER = "other", _l("其他")


class ReportState(Labelled):
    RECEIVED = "received", _l("已收到")
    ACCEPTED = "accepted", _l("已受理")
    AWAITING_DEPARTMENT = "awaiting_department", _l("待部门说明")
    CONCLUDED = "concluded", _l("已办结")


class Outcome(Labelled):
    ON_LIST = "on_list", _l("属于清单事项")
    ONE_OFF = "one_off", _l("属于已批准的“一事一批”")
    STOPPED = "stopped", _l("已叫停")
    CONVERTED = "converted", _l("已转为准入申请")
    UNFOUNDED = "unfounded", _l("反映不实")
