"""Simplified Chinese by default, English as a second locale (Flask-Babel)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale

LOCALES = ("zh_Hans_CN", "en")
# The catalogue (messages.pot, en/LC_MESSAGES/messages.po and .mo); see babel.cfg for extraction.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    # CLI commands and scheduler jobs have no request: they speak the default language.
    if not has_request_context():
        return LOCALES[0]
    chosen = request.cookies.get("locale")
    return chosen if chosen in LOCALES else LOCALES[0]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals["get_locale"] = get_locale
