"""The yearly confirmation of the list (API.md "Yearly confirmation of the list")."""

from __future__ import annotations

from flask import jsonify

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load
from admission.confirmations import access
from admission.confirmations import operations as ops
from admission.confirmations.schemas import ConfirmationSchema, ConfirmSchema, OpenRoundSchema, ProgressSchema
from admission.core.db import get_session
from catalogue.db import utcnow


@blueprint.post("/confirmations")
@documented("开启年度确认", body=OpenRoundSchema, response=ProgressSchema, status=201)
def open_confirmation_round():
    account = require_account()
    access.check_can_open(account)
    data = load(OpenRoundSchema())
    session = get_session()
    round_ = ops.open_round(session, account, data, now=utcnow())
    response = jsonify(ProgressSchema().dump(ops.progress(session, round_.year)))
    response.status_code = 201
    return response


@blueprint.get("/confirmations/<int:year>")
@documented("年度确认进度", response=ProgressSchema)
def confirmation_progress(year: int):
    access.check_can_read_progress(require_account())
    return jsonify(ProgressSchema().dump(ops.progress(get_session(), year)))


@blueprint.post("/confirmations/<int:year>/duties/<code>")
@documented("确认一项事项", body=ConfirmSchema, response=ConfirmationSchema)
def confirm_duty(year: int, code: str):
    account = require_account()
    data = load(ConfirmSchema())
    row = ops.confirm(get_session(), account, year, code, data, now=utcnow())
    return {"code": row.duty_code, "unit": account.unit.code, "still_needed": row.still_needed,
            "basis_in_force": row.basis_in_force, "comment": row.comment}  # fmt: skip
