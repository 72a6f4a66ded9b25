"""Closed sets of values of publication."""

from __future__ import annotations

from admission.applications.enums import Labelled
from admission.core.i18n import lazy_gettext as _l


class Channel(Labelled):
    """Where a village published the list (seeds/004: 公开栏, 微信群, 广播, 电子屏, 网站)."""

    BOARD = "board", _l("村务公开栏")
    CHAT_GROUP = "chat_group", _l("微信群")
    BROADCAST = "broadcast", _l("广播")
    SCREEN = "screen", _l("电子屏")
    WEBSITE = "website", _l("网站")
