"""Request bodies and response shapes of the yearly confirmation (API.md "Yearly confirmation")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from admission.core.schemas import StrictSchema


class OpenRoundSchema(StrictSchema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    due = fields.Date(required=True)


class ConfirmSchema(StrictSchema):
    still_needed = fields.Boolean(required=True)
    basis_in_force = fields.Boolean(required=True)
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))


class FlaggedSchema(Schema):
    code = fields.String()
    title = fields.String()
    unit = fields.String()
    comment = fields.String(allow_none=True)


class PendingSchema(Schema):
    unit = fields.String()
    name = fields.String()
    duties = fields.Integer()


class ProgressSchema(Schema):
    year = fields.Integer()
    due = fields.Date()
    duties = fields.Integer()
    confirmed = fields.Integer()
    flagged = fields.List(fields.Nested(FlaggedSchema))
    pending = fields.List(fields.Nested(PendingSchema))


class ConfirmationSchema(Schema):
    """One guiding unit's answer on one duty."""

    code = fields.String(required=True)
    unit = fields.String(required=True)
    still_needed = fields.Boolean(required=True)
    basis_in_force = fields.Boolean(required=True)
    comment = fields.String(allow_none=True, required=True)
