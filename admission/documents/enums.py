"""Closed sets of values of documents."""

from __future__ import annotations

from admission.applications.enums import Labelled
from admission.core.i18n import lazy_gettext as _l


class DocumentKind(Labelled):
    APPLICATION_LETTER = "application_letter", _l("申请函（盖章）")
    OPINION = "opinion", _l("初步审核意见（盖章）")
    FEEDBACK = "feedback", _l("乡镇书面反馈")
    MINUTES = "minutes", _l("会议纪要（签字）")
    DECISION = "decision", _l("县委、县政府审定文件")
    RELEASE_DOCUMENT = "release_document", _l("清单印发文件")


class Record(Labelled):
    """What a document is attached to."""

    APPLICATION = "application", _l("申请")
    MEETING = "meeting", _l("联席会议")
    RELEASE = "release", _l("清单版本")
