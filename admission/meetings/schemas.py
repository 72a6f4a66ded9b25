"""Joint meetings in JSON: the scheduling and minutes bodies, and the meeting as one viewer may read it."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields, validate

from admission.applications.schemas import ID, SHORT, TEXT
from admission.core.schemas import Items, Line, OutSchema, StrictSchema
from admission.meetings.enums import MeetingKind, Outcome


class TopicSchema(StrictSchema):
    title = Line(required=True, validate=validate.Length(min=1, max=200))
    proposed_by = Line(allow_none=True, validate=SHORT)


class MeetingRequestSchema(StrictSchema):
    kind = fields.String(load_default="plenary", validate=validate.OneOf(MeetingKind.values()))
    scheduled_at = fields.AwareDateTime(
        required=True, default_timezone=None,
        validate=validate.Range(min=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), max=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)),
    )  # fmt: skip
    location = Line(required=True, validate=validate.Length(min=1, max=200))
    agenda = fields.List(fields.Integer(strict=True, validate=ID), load_default=list, validate=validate.Length(max=100))
    topics = fields.List(fields.Nested(TopicSchema), load_default=list, validate=validate.Length(max=50))
    attendees = fields.List(
        Line(validate=validate.Length(max=64)), load_default=list, validate=validate.Length(max=200)
    )
    observers = fields.List(
        Line(validate=validate.Length(min=1, max=200)), load_default=list, validate=validate.Length(max=100)
    )


class MinuteDecisionSchema(StrictSchema):
    application_id = fields.Integer(required=True, strict=True, validate=ID)
    outcome = fields.String(required=True, validate=validate.OneOf(Outcome.values()))
    comment = fields.String(allow_none=True, validate=TEXT)


class MinutesSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    decisions = fields.List(fields.Nested(MinuteDecisionSchema), load_default=list, validate=validate.Length(max=100))
    attended = fields.List(Line(validate=validate.Length(max=64)), allow_none=True, validate=validate.Length(max=200))


class DecisionSchema(OutSchema):
    application_id = fields.Integer()
    outcome = fields.String()
    comment = fields.String(allow_none=True)


class MinutesVersionSchema(OutSchema):
    version = fields.Integer()
    recorded_at = fields.DateTime()
    recorded_by = fields.String()


class MinutesOutSchema(MinutesVersionSchema):
    """One version of a meeting's minutes, as recorded (the audit event carries its sha256)."""

    text = fields.String()
    attended = Items(fields.String())
    decisions = Items(fields.Nested(DecisionSchema))
    sha256 = fields.String()


class TopicOutSchema(OutSchema):
    title = fields.String()
    proposed_by = fields.String(allow_none=True)


class MeetingSchema(OutSchema):
    """A meeting: dumps ``queries.meeting_for`` (only the agenda items a viewer may see)."""

    id = fields.Integer()
    kind = fields.String()
    scheduled_at = fields.DateTime()
    location = fields.String()
    agenda = fields.List(fields.Integer())
    topics = Items(fields.Nested(TopicOutSchema))
    attendees = fields.List(fields.String())
    observers = Items(fields.String())
    minutes = fields.String(allow_none=True)
    minutes_versions = Items(fields.Nested(MinutesVersionSchema))
    decisions = Items(fields.Nested(DecisionSchema))
    attended = Items(fields.String())
