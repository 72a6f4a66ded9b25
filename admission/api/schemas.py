"""Request bodies of the JSON API (marshmallow), with the limits that keep input sane."""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from admission.applications.enums import FundingPer, Opinion
from admission.applications.models import KINDS
from catalogue.records import APPLIES_TO

TEXT = validate.Length(max=5000)
SHORT = validate.Length(max=200)
# Ids are 32-bit integers in both databases; anything larger cannot name a row.
ID = validate.Range(min=1, max=2**31 - 1)
OPINIONS = Opinion.values()
FUNDING_PER = FundingPer.values()


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class FundingSchema(StrictSchema):
    amount = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=10**12))
    per = fields.String(allow_none=True, validate=validate.OneOf(FUNDING_PER))
    source = fields.String(allow_none=True, validate=SHORT)
    note = fields.String(allow_none=True, validate=TEXT)


class GuaranteesSchema(StrictSchema):
    authority = fields.String(allow_none=True, validate=TEXT)
    institutional = fields.String(allow_none=True, validate=TEXT)
    personnel = fields.String(allow_none=True, validate=TEXT)
    equipment = fields.String(allow_none=True, validate=TEXT)
    funding = fields.Nested(FundingSchema, allow_none=True)


class SpecialRequirementsSchema(StrictSchema):
    body = fields.Boolean(load_default=False)
    venue = fields.Boolean(load_default=False)
    staff = fields.Boolean(load_default=False)
    legal_basis = fields.String(allow_none=True, validate=TEXT)


class ClauseSchema(StrictSchema):
    heading = fields.String(allow_none=True, validate=SHORT)
    content = fields.String(allow_none=True, validate=TEXT)
    legal_basis = fields.List(fields.String(validate=validate.Length(max=500)), validate=validate.Length(max=50))
    implementing_bodies = fields.List(fields.String(validate=SHORT), validate=validate.Length(max=30))
    guiding_units = fields.List(fields.String(validate=SHORT), validate=validate.Length(max=30))
    applies_to = fields.String(allow_none=True, validate=validate.OneOf(APPLIES_TO))
    role = fields.String(allow_none=True, validate=validate.OneOf(("perform", "assist")))
    remark = fields.String(allow_none=True, validate=validate.Length(max=500))


class FlowSchema(StrictSchema):
    steps = fields.List(fields.String(validate=validate.Length(max=500)), validate=validate.Length(max=100))
    supervisor = fields.String(allow_none=True, validate=validate.Length(max=500))
    risks = fields.List(fields.String(validate=validate.Length(max=500)), validate=validate.Length(max=50))
    controls = fields.List(fields.String(validate=validate.Length(max=500)), validate=validate.Length(max=50))


class ProposedDutySchema(Schema):
    class Meta:
        # Clients may send back a DUTY they read from the API; its derived keys are ignored.
        unknown = "exclude"

    category = fields.String(allow_none=True, validate=validate.Length(max=100))
    title = fields.String(allow_none=True, validate=SHORT)
    clauses = fields.List(fields.Nested(ClauseSchema), validate=validate.Length(max=50))
    flow = fields.Nested(FlowSchema, allow_none=True)


class OneOffScopeSchema(StrictSchema):
    """{"all": true} | {"townships": [codes]} | {"units": [village/community codes]}: exactly one."""

    all = fields.Boolean(validate=validate.Equal(True, error="应为 true"))
    townships = fields.List(fields.String(validate=validate.Length(max=64)), validate=validate.Length(min=1, max=200))
    units = fields.List(fields.String(validate=validate.Length(max=64)), validate=validate.Length(min=1, max=20000))

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError('应为 {"all": true}、{"townships": [...]} 或 {"units": [...]} 之一', "_schema")


class ApplicationBodySchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    duty_code = fields.String(allow_none=True, validate=validate.Length(max=16))
    reason = fields.String(allow_none=True, validate=TEXT)
    proposed = fields.Nested(ProposedDutySchema, allow_none=True)
    boundary = fields.String(allow_none=True, validate=TEXT)
    mechanism = fields.String(allow_none=True, validate=TEXT)
    guarantees = fields.Nested(GuaranteesSchema, allow_none=True)
    special_requirements = fields.Nested(SpecialRequirementsSchema, allow_none=True)
    valid_until = fields.Date(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    tasks = fields.String(allow_none=True, validate=TEXT)
    scope = fields.Nested(OneOffScopeSchema, allow_none=True)
    conditions = fields.String(allow_none=True, validate=TEXT)


class ApplicationPatchSchema(ApplicationBodySchema):
    kind = fields.String(validate=validate.OneOf(KINDS))

    @validates_schema
    def _kind_is_fixed(self, data, **kwargs):
        if "kind" in data:
            raise ValidationError("申请类型创建后不能修改", "kind")


class CommentSchema(StrictSchema):
    comment = fields.String(allow_none=True, validate=TEXT)


class StartReviewSchema(StrictSchema):
    reviewers = fields.List(fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=200))
    due = fields.Date(allow_none=True)
    comment = fields.String(allow_none=True, validate=TEXT)


class OpinionSchema(StrictSchema):
    opinion = fields.String(required=True, validate=validate.OneOf(OPINIONS))
    comment = fields.String(allow_none=True, validate=TEXT)


class OpenConsultationSchema(StrictSchema):
    due = fields.Date(allow_none=True)
    scope = fields.String(allow_none=True, validate=validate.OneOf(APPLIES_TO))
    comment = fields.String(allow_none=True, validate=TEXT)


class FeedbackSchema(StrictSchema):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class ForwardSchema(StrictSchema):
    comment = fields.String(allow_none=True, validate=TEXT)
    meeting_id = fields.Integer(allow_none=True, strict=True, validate=ID)


class DecideSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    document_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    decided_on = fields.Date(allow_none=True)
    comment = fields.String(allow_none=True, validate=TEXT)


class ExtendSchema(StrictSchema):
    due = fields.Date(required=True)
    unit = fields.String(allow_none=True, validate=validate.Length(max=64))
    comment = fields.String(allow_none=True, validate=TEXT)


ACTION_SCHEMAS = {
    "extend_deadline": ExtendSchema,
    "submit": CommentSchema,
    "withdraw": CommentSchema,
    "start_preliminary_review": StartReviewSchema,
    "review": OpinionSchema,
    "open_consultation": OpenConsultationSchema,
    "reply": OpinionSchema,
    "township_feedback": FeedbackSchema,
    "close_consultation": CommentSchema,
    "forward": ForwardSchema,
    "return": CommentSchema,
    "reject": CommentSchema,
    "decide": DecideSchema,
}


class TokenRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UnitEmailSchema(StrictSchema):
    email = fields.String(allow_none=True, validate=validate.Length(max=200))
    mode = fields.String(required=True, validate=validate.OneOf(("immediate", "digest")))


class ReleaseRequestSchema(StrictSchema):
    title = fields.String(allow_none=True, validate=SHORT)
    document_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    effective_on = fields.Date(allow_none=True)
    applications = fields.List(
        fields.Integer(strict=True, validate=ID), allow_none=True, validate=validate.Length(max=500)
    )


class MeetingSchema(StrictSchema):
    scheduled_at = fields.AwareDateTime(
        required=True, default_timezone=None,
        validate=validate.Range(min=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), max=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)),
    )  # fmt: skip
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    agenda = fields.List(fields.Integer(strict=True, validate=ID), load_default=list, validate=validate.Length(max=100))
    attendees = fields.List(
        fields.String(validate=validate.Length(max=64)), load_default=list, validate=validate.Length(max=200)
    )


class MinutesSchema(StrictSchema):
    class DecisionSchema(StrictSchema):
        application_id = fields.Integer(required=True, strict=True, validate=ID)
        outcome = fields.String(required=True, validate=validate.Length(min=1, max=500))

    text = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    decisions = fields.List(fields.Nested(DecisionSchema), load_default=list, validate=validate.Length(max=100))
    attended = fields.List(
        fields.String(validate=validate.Length(max=64)), allow_none=True, validate=validate.Length(max=200)
    )
