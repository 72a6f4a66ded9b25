"""Tokens, the caller, and the county's units (API.md "Authentication")."""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from admission.accounts.auth import bearer_token, client_address, require_account
from admission.accounts.models import Unit
from admission.accounts.operations import (
    LoginRefused,
    LoginThrottled,
    authenticate,
    new_token,
    revoke_token,
    revoke_token_id,
    set_unit_email,
    tokens_of,
)
from admission.api import blueprint
from admission.api.schemas import TokenOut, TokenRequestSchema, UnitEmailSchema
from admission.api.util import load
from admission.core.db import get_session


def user_dict(account) -> dict:
    return {
        "username": account.username,
        "unit": account.unit.code,
        "unit_name": account.unit.name,
        "roles": account.roles,
    }


@blueprint.post("/auth/token")
def create_token():
    data = load(TokenRequestSchema())
    session = get_session()
    try:
        account = authenticate(session, data["username"], data["password"], address=client_address())
    except (LoginRefused, LoginThrottled):
        # The failure is counted even though the request fails: commit it before answering.
        session.commit()
        raise
    row = new_token(session, account, days=current_app.config["TOKEN_DAYS"])
    expires_at = TokenOut().dump(row)["expires_at"]
    response = jsonify({"token": row.token, "expires_at": expires_at, "user": user_dict(account)})
    return response


@blueprint.delete("/auth/token")
def delete_token():
    require_account()
    revoke_token(get_session(), bearer_token())
    return "", 204


@blueprint.get("/me/tokens")
def my_tokens():
    return jsonify(TokenOut(many=True).dump(tokens_of(get_session(), require_account())))


@blueprint.delete("/me/tokens/<int:token_id>")
def delete_my_token(token_id: int):
    revoke_token_id(get_session(), require_account(), token_id)
    return "", 204


@blueprint.get("/me")
def me():
    return jsonify(user_dict(require_account()))


@blueprint.put("/me/email")
def set_email():
    """The caller's unit: where its notices go by email (``email``) and how (``mode``)."""
    account = require_account()
    data = load(UnitEmailSchema())
    unit = set_unit_email(get_session(), account, data.get("email"), data["mode"])
    return jsonify({"unit": unit.code, "email": unit.email, "mode": unit.email_mode})


@blueprint.get("/units")
def units():
    session = get_session()
    township = aliased(Unit)
    rows = session.execute(
        select(Unit, township.code)
        .outerjoin(township, Unit.township_id == township.id)
        .options(selectinload(Unit.role_rows))
        .order_by(Unit.id)
    ).all()
    return jsonify(
        [
            {"code": u.code, "name": u.name, "kind": u.kind, "roles": u.roles, "township": township_code}
            for u, township_code in rows
        ]
    )
