"""Accounts and units in JSON: the login and email-setting bodies, and the caller and units as answered."""

from __future__ import annotations

from marshmallow import fields, validate

from admission.core.schemas import Email, Line, OutSchema, StrictSchema


class TokenRequestSchema(StrictSchema):
    username = Line(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UnitEmailSchema(StrictSchema):
    email = Email(allow_none=True, validate=validate.Length(max=200))
    mode = fields.String(required=True, validate=validate.OneOf(("immediate", "digest")))


class UserSchema(OutSchema):
    """An account: dumps ``Account``."""

    username = fields.String()
    unit = fields.String(attribute="unit.code")
    unit_name = fields.String(attribute="unit.name")
    roles = fields.List(fields.String())


class TokenSchema(OutSchema):
    token = fields.String()
    expires_at = fields.AwareDateTime(allow_none=True)
    user = fields.Nested(UserSchema)


class TokenInfoSchema(OutSchema):
    """One of the caller's API tokens (never its value: only a digest is kept)."""

    id = fields.Integer()
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(allow_none=True)


class UnitSchema(OutSchema):
    """A unit: dumps ``View(unit, township=code of its relaying unit or None)``."""

    code = fields.String()
    name = fields.String()
    kind = fields.String()
    roles = fields.List(fields.String())
    township = fields.String(allow_none=True)


class UnitEmailSettingSchema(OutSchema):
    """Where a unit's notices go: dumps ``Unit``."""

    unit = fields.String(attribute="code")
    email = fields.String(allow_none=True)
    mode = fields.String(attribute="email_mode")
