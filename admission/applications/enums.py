"""The procedure's vocabulary: kinds, states, opinions and the other closed sets of values.

Each value is the string stored in the database and sent in the API (so a StrEnum compares equal to
it), and carries the Chinese label pages and files show.
"""

from __future__ import annotations

from enum import StrEnum

from admission.core.i18n import lazy_gettext as _l


class Labelled(StrEnum):
    """A StrEnum whose members are declared as ``name = "value", label``."""

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def chinese(cls, value) -> str:
        """The label in Chinese whatever the reader's language: for text stored on the record (a notice)."""
        label = cls(value).label
        return label._args[0] if hasattr(label, "_args") else str(label)

    @classmethod
    def label_of(cls, value, default=None):
        try:
            return cls(value).label
        except ValueError:
            return default if default is not None else value


class Kind(Labelled):
    ADMISSION = "admission", _l("准入")
    AMENDMENT = "amendment", _l("调整")
    WITHDRAWAL = "withdrawal", _l("取消")
    ONE_OFF = "one_off", _l("一事一批")


# Kinds that change the list and so go through consultation and the joint meeting.
PROCEDURE_KINDS = (Kind.ADMISSION, Kind.AMENDMENT, Kind.WITHDRAWAL)


class State(Labelled):
    DRAFT = "draft", _l("草稿")
    SUBMITTED = "submitted", _l("已提交")
    PRELIMINARY_REVIEW = "preliminary_review", _l("初步审核")
    CONSULTATION = "consultation", _l("征求意见")
    RE_REVIEW = "re_review", _l("复审")
    COUNTY_REVIEW = "county_review", _l("县委、县政府审定")
    APPROVED = "approved", _l("已批准")
    PUBLISHED = "published", _l("已列入清单")
    RETURNED = "returned", _l("已退回")
    WITHDRAWN = "withdrawn", _l("已撤回")
    REJECTED = "rejected", _l("不予准入")


class Opinion(Labelled):
    AGREE = "agree", _l("同意")
    AGREE_WITH_CONDITIONS = "agree_with_conditions", _l("有条件同意")
    DISAGREE = "disagree", _l("不同意")


class RowStatus(Labelled):
    """A review, consultation request or township feedback row."""

    PENDING = "pending", _l("待答复")
    ANSWERED = "answered", _l("已答复")
    OVERDUE = "overdue", _l("逾期未答复")


class FundingPer(Labelled):
    VILLAGE_YEAR = "village_year", _l("每村每年")
    COMMUNITY_YEAR = "community_year", _l("每社区每年")
    ONE_TIME = "one_time", _l("一次性")


class AppliesTo(Labelled):
    VILLAGES = "villages", _l("村（社区不涉及）")
    COMMUNITIES = "communities", _l("社区（村不涉及）")
    BOTH = "both", _l("村和社区")


class DutyRole(Labelled):
    PERFORM = "perform", _l("履行")
    ASSIST = "assist", _l("协助配合")


class Capacity(Labelled):
    """承接能力: whether a village can take the duty on."""

    ABLE = "able", _l("能够承接")
    WITH_SUPPORT = "with_support", _l("需支持后承接")
    UNABLE = "unable", _l("无法承接")


class DecidedBy(Labelled):
    """The village body that decided a consultation reply."""

    TWO_COMMITTEES = "two_committees", _l("村两委会议")
    REPRESENTATIVES = "representatives", _l("村民代表会议")
    ASSEMBLY = "assembly", _l("村民会议")


class ObjectionResponse(Labelled):
    ADOPTED = "adopted", _l("采纳")
    PARTLY_ADOPTED = "partly_adopted", _l("部分采纳")
    NOT_ADOPTED = "not_adopted", _l("不予采纳")


class Cause(Labelled):
    """Why a listed duty is amended or withdrawn (annex 4 (六))."""

    LAW_CHANGED = "law_changed", _l("法律法规变化")
    INSTITUTIONAL_REFORM = "institutional_reform", _l("机构改革")
    CANNOT_PERFORM = "cannot_perform", _l("无法履行")
    DUPLICATE = "duplicate", _l("与其他事项重复")
    OTHER = "other", _l("其他")


class Decision(Labelled):
    APPROVE = "approve", _l("同意")
    REJECT = "reject", _l("不同意")
