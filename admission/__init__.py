"""The duty-list admission service: a Flask application over the ``catalogue`` package."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from admission.errors import BadRequest, DomainError

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    import os

    # Where the SQLite database, the secret key, backups and rendered release files live.
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("ADMISSION_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_relative_config=True,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
    )
    from admission.core.config import load_config

    app.config.update(load_config(app.instance_path, config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from catalogue import immutability

    immutability.install()
    from admission.core import stored_text

    stored_text.install()

    from admission.accounts import auth
    from admission.core import db, formatting, i18n, layout

    db.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    layout.init_app(app)

    from flask_wtf.csrf import CSRFProtect
    from werkzeug.routing import IntegerConverter

    class IdConverter(IntegerConverter):
        """``<int:...>`` in every URL: ids are 32-bit in both databases, so a larger number names
        nothing. The bound is in the pattern itself, so that such a URL is 404 for every method."""

        regex = (
            r"0*(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
            r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
        )

    app.url_map.converters["int"] = IdConverter

    from admission.api import blueprint as api_blueprint
    from admission.public import blueprint as public_blueprint
    from admission.web import blueprint as web_blueprint

    csrf = CSRFProtect(app)
    # The API authenticates with bearer tokens, never cookies, so cross-site forms cannot use it.
    csrf.exempt(api_blueprint)
    from admission.public.views import set_locale

    csrf.exempt(set_locale)
    app.register_blueprint(public_blueprint)
    app.register_blueprint(web_blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api/v1")

    from admission.errors import register_error_handlers

    register_error_handlers(app)

    @app.before_request
    def _refuse_nul():
        # PostgreSQL cannot store NUL characters; a URL carrying one names nothing.
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            raise BadRequest("地址中不能含有空字符")
        if request.method == "POST" and not request.path.startswith("/api/"):
            from admission.web.input import refuse_nul_in_form

            refuse_nul_in_form()

    @app.after_request
    def _finish_transaction(response):
        # The request is the unit of work: operations flush, the request commits once.
        session = g.get("db_session")
        if session is not None:
            if response.status_code < 400 and request.method not in ("GET", "HEAD", "OPTIONS"):
                try:
                    session.commit()
                except (DomainError, IntegrityError, StaleDataError) as exc:
                    # Refused at the last flush (stored_text's guard, a concurrent request that
                    # won): nothing was stored.
                    session.rollback()
                    return current_app.handle_user_exception(exc)
                except OperationalError as exc:
                    # The database went away at the last moment: nothing was stored; say so cleanly.
                    session.rollback()
                    from admission.errors import database_unavailable

                    return database_unavailable(exc)
            else:
                session.rollback()
        return response

    @app.after_request
    def _no_store(response):
        # A signed-in page or an API answer for a caller holds personal data (and the token answer
        # a credential): no browser or proxy may keep a copy.
        personal = request.authorization is not None or request.path == "/api/v1/auth/token"
        if not personal and not request.path.startswith("/api/"):
            from flask_login import current_user

            personal = current_user.is_authenticated
        if personal:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
        )
        return response

    from admission.cli import register_cli

    register_cli(app)
    return app
