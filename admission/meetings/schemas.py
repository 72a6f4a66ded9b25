"""Joint meetings in JSON: the scheduling and minutes bodies, and the meeting as one viewer may read it."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields, validate

from admission.applications.schemas import ID
from admission.core.schemas import Items, OutSchema, StrictSchema


class MeetingRequestSchema(StrictSchema):
    scheduled_at = fields.AwareDateTime(
        required=True, default_timezone=None,
        validate=validate.Range(min=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), max=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)),
    )  # fmt: skip
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    agenda = fields.List(fields.Integer(strict=True, validate=ID), load_default=list, validate=validate.Length(max=100))
    attendees = fields.List(
        fields.String(validate=validate.Length(max=64)), load_default=list, validate=validate.Length(max=200)
    )


class MinuteDecisionSchema(StrictSchema):
    application_id = fields.Integer(required=True, strict=True, validate=ID)
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=500))


class MinutesSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    decisions = fields.List(fields.Nested(MinuteDecisionSchema), load_default=list, validate=validate.Length(max=100))
    attended = fields.List(
        fields.String(validate=validate.Length(max=64)), allow_none=True, validate=validate.Length(max=200)
    )


class DecisionSchema(OutSchema):
    application_id = fields.Integer()
    outcome = fields.String()


class MeetingSchema(OutSchema):
    """A meeting: dumps ``Meeting``, or ``queries.meeting_for`` (only the agenda items a viewer may see)."""

    id = fields.Integer()
    scheduled_at = fields.DateTime()
    location = fields.String()
    agenda = fields.List(fields.Integer())
    attendees = fields.List(fields.String())
    minutes = fields.String(allow_none=True)
    decisions = Items(fields.Nested(DecisionSchema))
    attended = Items(fields.String())
