"""Simplified Chinese by default, English as a second locale (Flask-Babel)."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale

LOCALES = ("zh_Hans_CN", "en")


def select_locale() -> str:
    chosen = request.cookies.get("locale")
    return chosen if chosen in LOCALES else LOCALES[0]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
