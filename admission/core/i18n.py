"""Simplified Chinese by default, English as a second locale (Flask-Babel)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import Babel, LazyString, get_locale, get_translations

LOCALES = ("zh_Hans_CN", "en")
# The catalogue (messages.pot, en/LC_MESSAGES/messages.po and .mo); see babel.cfg for extraction.
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    # CLI commands and scheduler jobs have no request: they speak the default language.
    if not has_request_context():
        return LOCALES[0]
    chosen = request.cookies.get("locale")
    return chosen if chosen in LOCALES else LOCALES[0]


def translations():
    """This request's translations, looked up once. Flask-Babel finds its context, domain and
    locale again on every call, and a page translates a few hundred strings."""
    if not has_app_context():
        return get_translations()
    found = g.get("_translations")
    if found is None:
        found = g._translations = get_translations()
    return found


def gettext(string: str, **variables) -> str:
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


# Chinese punctuation as an English sentence writes it.
ENGLISH_PUNCTUATION = str.maketrans(
    {
        "，": ", ",
        "；": "; ",
        "：": ": ",
        "。": ". ",
        "（": " (",
        "）": ")",
        "“": '"',
        "”": '"',
        "、": ", ",
        "！": "! ",
        "？": "? ",
    }
)


def translate_message(message: str) -> str:
    """A message an operation raised, in the language of the request: its catalogue entry when it has
    one (the fixed messages are listed in core/messages.py), and English punctuation in English."""
    if not has_request_context() or select_locale() != "en":
        return message
    translated = translations().ugettext(message)
    return translated.translate(ENGLISH_PUNCTUATION).replace("  ", " ").strip()


def lazy_gettext(string: str, **variables) -> LazyString:
    """A label translated when shown, in the language of the request showing it."""
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["get_locale"] = get_locale
