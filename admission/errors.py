"""The domain's error vocabulary, and the one place where errors become HTTP answers.

Operations and access checks raise these (as CKAN's logic layer raises NotFound, NotAuthorized and
ValidationError); no controller translates them. Under /api/ they become API.md's JSON error body,
elsewhere an error page. The catalogue package (no Flask) keeps its own errors; they are mapped here
too.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from admission.core.schemas import ErrorSchema

MESSAGES = {
    400: "请求格式有误",
    401: "未登录或登录已失效",
    403: "无权执行此操作",
    404: "找不到该资源",
    405: "不支持此请求方法",
    409: "当前状态下不能执行此操作",
    412: "数据已被他人修改，请刷新后重试",
    413: "上传内容过大",
    415: "请求内容类型不受支持",
    422: "数据未通过校验",
    429: "操作过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂时不可用，请稍后再试",
}
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


class DomainError(Exception):
    """A request the service refuses, with a message in Chinese for the person who made it."""

    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        from admission.core.i18n import translate_message

        self.message = translate_message(str(message) if message else MESSAGES[self.status])
        super().__init__(self.message)
        self.code = code or CODES[self.status]
        self.details = details or {}


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Not allowed in the current state; ``code`` names what blocks (e.g. ``review_not_passed``)."""

    status = 409


class PreconditionFailed(DomainError):
    status = 412


class TooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415


class Invalid(DomainError):
    """Invalid input: ``fields`` maps a field path to its message; ``findings`` are screening results."""

    status = 422

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict | None = None,
        findings: list | None = None,
        details: dict | None = None,
    ):
        details = dict(details or {})
        if fields is not None:
            details["fields"] = fields
        if findings is not None:
            details["findings"] = findings
        super().__init__(message, code=code, details=details)

    @property
    def fields(self) -> dict:
        return self.details.get("fields") or {}


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503


BY_STATUS = {cls.status: cls for cls in DomainError.__subclasses__()}


def error_body(status: int, message: str, code: str, details: dict | None = None):
    response = jsonify(ErrorSchema().dump({"error": {"code": code, "message": message, "details": details or {}}}))
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _answer(status: int, message: str, code: str, details: dict | None = None):
    if _wants_json():
        return error_body(status, message, code, details)
    try:
        page = render_template("errors/error.html", status=status, message=message)
    except OperationalError as exc:
        # The page asks who is signed in; with the database gone that is the answer to give.
        return database_unavailable(exc)
    return current_app.make_response((page, status))


def _from_catalogue(exc: Exception) -> DomainError:
    """The catalogue package's own errors, as the domain vocabulary names them."""
    from catalogue.immutability import ReleaseImmutableError
    from catalogue.layout import LayoutError
    from catalogue.records import RecordError
    from catalogue.releases import ReleaseError

    if isinstance(exc, RecordError | LayoutError):
        return Invalid(str(exc))
    if isinstance(exc, ReleaseError | ReleaseImmutableError):
        return Conflict(str(exc))
    raise TypeError(exc)


def database_unavailable(exc: OperationalError):
    """The database is unreachable (restarting, network): a clean 503 the client may retry; the
    pool pre-pings, so the first request after recovery gets a live connection."""
    current_app.logger.warning("database unavailable: %s", exc.orig)
    from flask import g

    from admission.accounts.auth import login_manager

    # The error page must not ask the database who is signed in (it would fail the same way).
    g._login_user = login_manager.anonymous_user()
    response = _answer(503, MESSAGES[503], CODES[503])
    response.headers["Retry-After"] = "5"
    return response


def from_collision(exc: Exception) -> DomainError:
    """Two requests changed the same thing at once and this one lost: say so, never 500.

    A stale version (the row changed since it was read: optimistic locking) is 412, like a stale
    If-Match; a unique key taken by the other request (a second draft release, the same
    reference) is 409.
    """
    if isinstance(exc, StaleDataError):
        return PreconditionFailed("数据已被他人同时修改，请刷新后重试", code="precondition_failed")
    return Conflict("该操作与他人同时进行的操作冲突，请刷新后重试", code="conflict")


def register_error_handlers(app: Flask) -> None:
    from catalogue.immutability import ReleaseImmutableError
    from catalogue.layout import LayoutError
    from catalogue.records import RecordError
    from catalogue.releases import ReleaseError

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        response = _answer(exc.status, exc.message, exc.code, exc.details)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    for catalogue_error in (RecordError, LayoutError, ReleaseError, ReleaseImmutableError):
        app.register_error_handler(catalogue_error, lambda exc: _domain_error(_from_catalogue(exc)))

    app.register_error_handler(OperationalError, database_unavailable)

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _collision(exc: Exception):
        current_app.logger.info("concurrent change refused: %s", exc)
        return _domain_error(from_collision(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        response = _answer(status, MESSAGES.get(status, exc.name), CODES.get(status, "error"))
        for header in ("Allow", "Retry-After"):
            if exc.get_response().headers.get(header):
                response.headers[header] = exc.get_response().headers[header]
        return response
