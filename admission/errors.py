"""Errors as users see them: JSON with a Chinese message under /api/, a page elsewhere."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

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


class ApiError(Exception):
    """An error a view raises to answer with API.md's error body."""

    def __init__(
        self, status: int, message: str | None = None, *, code: str | None = None, details: dict | None = None
    ):
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.message = message or MESSAGES.get(status, "请求失败")
        self.code = code or CODES.get(status, "error")
        self.details = details or {}


def error_body(status: int, message: str, code: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def database_unavailable(exc: OperationalError):
    """The database is unreachable (restarting, network): a clean 503 the client may retry; the
    pool pre-pings, so the first request after recovery gets a live connection."""
    current_app.logger.warning("database unavailable: %s", exc.orig)
    message = MESSAGES[503]
    if _wants_json():
        response = error_body(503, message, CODES[503])
    else:
        response = current_app.make_response((render_template("errors/error.html", status=503, message=message), 503))
    response.headers["Retry-After"] = "5"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        if _wants_json():
            return error_body(exc.status, exc.message, exc.code, exc.details)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    app.register_error_handler(OperationalError, database_unavailable)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status, exc.name)
        if _wants_json():
            response = error_body(status, message, CODES.get(status, "error"))
        else:
            response = app.make_response((render_template("errors/error.html", status=status, message=message), status))
        for header in ("Allow", "Retry-After"):
            if exc.get_response().headers.get(header):
                response.headers[header] = exc.get_response().headers[header]
        return response
