"""Tokens, the caller, and the county's units (API.md "Authentication")."""

from __future__ import annotations

from flask import current_app
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
from admission.accounts.schemas import (
    TokenInfoSchema,
    TokenRequestSchema,
    TokenSchema,
    UnitEmailSchema,
    UnitEmailSettingSchema,
    UnitSchema,
    UserSchema,
)
from admission.api import blueprint
from admission.api.openapi import documented
from admission.api.util import load_body
from admission.core.db import get_session
from admission.core.schemas import View


@blueprint.post("/auth/token")
@documented("取得 API 令牌", body=TokenRequestSchema, response=TokenSchema, public=True)
def create_token():
    data = load_body()
    session = get_session()
    try:
        account = authenticate(session, data["username"], data["password"], address=client_address())
    except (LoginRefused, LoginThrottled):
        # The failure is counted even though the request fails: commit it before answering.
        session.commit()
        raise
    row = new_token(session, account, days=current_app.config["TOKEN_DAYS"])
    return {"token": row.token, "expires_at": row.expires_at, "user": account}


@blueprint.delete("/auth/token")
@documented("吊销当前令牌", status=204)
def delete_token():
    require_account()
    revoke_token(get_session(), bearer_token())


@blueprint.get("/me/tokens")
@documented("本人的 API 令牌", response=TokenInfoSchema, many=True)
def my_tokens():
    return tokens_of(get_session(), require_account())


@blueprint.delete("/me/tokens/<int:token_id>")
@documented("吊销本人的一个令牌", status=204)
def delete_my_token(token_id: int):
    revoke_token_id(get_session(), require_account(), token_id)


@blueprint.get("/me")
@documented("当前用户", response=UserSchema)
def me():
    return require_account()


@blueprint.put("/me/email")
@documented("本单位接收通知的邮箱和方式", body=UnitEmailSchema, response=UnitEmailSettingSchema)
def set_email():
    """The caller's unit: where its notices go by email (``email``) and how (``mode``)."""
    account = require_account()
    data = load_body()
    return set_unit_email(get_session(), account, data.get("email"), data["mode"])


@blueprint.get("/units")
@documented("县内各单位", response=UnitSchema, many=True, public=True)
def units():
    session = get_session()
    township = aliased(Unit)
    rows = session.execute(
        select(Unit, township.code)
        .outerjoin(township, Unit.township_id == township.id)
        .options(selectinload(Unit.role_rows))
        .order_by(Unit.id)
    ).all()
    return [View(u, township=township_code) for u, township_code in rows]
