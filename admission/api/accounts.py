"""Tokens, the caller, and the county's units (API.md "Authentication")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from admission.accounts.auth import bearer_token, require_account
from admission.accounts.models import Unit
from admission.accounts.operations import (
    LoginRefused,
    LoginThrottled,
    authenticate,
    issue_token,
    revoke_token,
    set_unit_email,
)
from admission.accounts.schemas import (
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
        account = authenticate(session, data["username"], data["password"])
    except (LoginRefused, LoginThrottled):
        # The failure is counted even though the request fails: commit it before answering.
        session.commit()
        raise
    return {"token": issue_token(session, account), "user": account}


@blueprint.delete("/auth/token")
@documented("吊销当前令牌", status=204)
def delete_token():
    require_account()
    revoke_token(get_session(), bearer_token())


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
