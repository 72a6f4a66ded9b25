"""Applications in JSON: the bodies the API and the web forms load (with the limits that keep input sane),
and the application as the API answers it (``ApplicationSchema`` dumps ``presenter.shown``)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from admission.applications.enums import Capacity, Cause, DecidedBy, FundingPer, ObjectionResponse, Opinion
from admission.applications.models import KINDS, STATES
from admission.applications.workflow import STATE_LABELS
from admission.core.schemas import Items, Line, OutSchema, StrictSchema, optional
from catalogue.records import APPLIES_TO

TEXT = validate.Length(max=5000)
SHORT = validate.Length(max=200)
# Ids are 32-bit integers in both databases; anything larger cannot name a row.
ID = validate.Range(min=1, max=2**31 - 1)
OPINIONS = Opinion.values()
FUNDING_PER = FundingPer.values()


class FundingSchema(StrictSchema):
    amount = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=10**12))
    per = fields.String(allow_none=True, validate=validate.OneOf(FUNDING_PER))
    source = Line(allow_none=True, validate=SHORT)
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
    heading = Line(allow_none=True, validate=SHORT)
    content = fields.String(allow_none=True, validate=TEXT)
    legal_basis = fields.List(Line(validate=validate.Length(max=500)), validate=validate.Length(max=50))
    implementing_bodies = fields.List(Line(validate=SHORT), validate=validate.Length(max=30))
    guiding_units = fields.List(Line(validate=SHORT), validate=validate.Length(max=30))
    applies_to = fields.String(allow_none=True, validate=validate.OneOf(APPLIES_TO))
    role = fields.String(allow_none=True, validate=validate.OneOf(("perform", "assist")))
    remark = Line(allow_none=True, validate=validate.Length(max=500))


class FlowSchema(StrictSchema):
    code = Line(allow_none=True, validate=validate.Length(max=40))
    title = Line(allow_none=True, validate=SHORT)
    implementing_body = Line(allow_none=True, validate=SHORT)
    steps = fields.List(Line(validate=validate.Length(max=500)), validate=validate.Length(max=100))
    supervisor = Line(allow_none=True, validate=validate.Length(max=500))
    risks = fields.List(Line(validate=validate.Length(max=500)), validate=validate.Length(max=50))
    controls = fields.List(Line(validate=validate.Length(max=500)), validate=validate.Length(max=50))


class ProposedDutySchema(Schema):
    class Meta:
        # Clients may send back a DUTY they read from the API; its derived keys are ignored.
        unknown = "exclude"

    category = Line(allow_none=True, validate=validate.Length(max=100))
    title = Line(allow_none=True, validate=SHORT)
    clauses = fields.List(fields.Nested(ClauseSchema), validate=validate.Length(max=50))
    flow = fields.Nested(FlowSchema, allow_none=True)
    # Derived from the clauses when the application is shown, never read from a request.
    applies_to = fields.String(dump_only=True)
    role = fields.String(dump_only=True)


class OneOffScopeSchema(StrictSchema):
    """{"all": true} | {"townships": [codes]} | {"units": [village/community codes]}: exactly one."""

    all = fields.Boolean(validate=validate.Equal(True, error="应为 true"))
    townships = fields.List(Line(validate=validate.Length(max=64)), validate=validate.Length(min=1, max=200))
    units = fields.List(Line(validate=validate.Length(max=64)), validate=validate.Length(min=1, max=20000))

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError('应为 {"all": true}、{"townships": [...]} 或 {"units": [...]} 之一', "_schema")


class ApplicationBodySchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    duty_code = Line(allow_none=True, validate=validate.Length(max=16))
    cause = fields.String(allow_none=True, validate=validate.OneOf(Cause.values()))
    cause_basis = fields.String(allow_none=True, validate=TEXT)
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
    reviewers = fields.List(Line(validate=validate.Length(max=64)), validate=validate.Length(max=200))
    exclusion_reason = fields.String(allow_none=True, validate=TEXT)
    due = fields.Date(allow_none=True)
    comment = fields.String(allow_none=True, validate=TEXT)


class OpinionSchema(StrictSchema):
    opinion = fields.String(required=True, validate=validate.OneOf(OPINIONS))
    comment = fields.String(allow_none=True, validate=TEXT)


class ReplySchema(OpinionSchema):
    capacity = fields.String(
        required=True,
        validate=validate.OneOf(Capacity.values(), error="应为能够承接、需支持后承接或无法承接"),
        error_messages={"required": "请选择承接能力", "null": "请选择承接能力"},
    )
    decided_by = fields.String(
        required=True,
        validate=validate.OneOf(DecidedBy.values(), error="应为村两委会议、村民代表会议或村民会议"),
        error_messages={"required": "请选择研究决定的会议", "null": "请选择研究决定的会议"},
    )
    decided_on = fields.Date(allow_none=True)


class ObjectionAnswerSchema(StrictSchema):
    subject = Line(required=True, validate=validate.Length(min=1, max=64))
    response = fields.String(
        required=True, validate=validate.OneOf(ObjectionResponse.values(), error="应为采纳、部分采纳或不予采纳")
    )
    text = fields.String(required=True, validate=TEXT, error_messages={"required": "请写明理由"})


class RespondSchema(StrictSchema):
    responses = fields.List(
        fields.Nested(ObjectionAnswerSchema), required=True, validate=validate.Length(min=1, max=500)
    )


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
    document_number = Line(allow_none=True, validate=validate.Length(max=100))
    decided_on = fields.Date(allow_none=True)
    county_meeting = fields.String(allow_none=True, validate=SHORT)
    comment = fields.String(allow_none=True, validate=TEXT)


class ExtendSchema(StrictSchema):
    due = fields.Date(required=True)
    unit = Line(allow_none=True, validate=validate.Length(max=64))
    comment = fields.String(allow_none=True, validate=TEXT)


ACTION_SCHEMAS = {
    "extend_deadline": ExtendSchema,
    "submit": CommentSchema,
    "withdraw": CommentSchema,
    "start_preliminary_review": StartReviewSchema,
    "review": OpinionSchema,
    "open_consultation": OpenConsultationSchema,
    "reply": ReplySchema,
    "remind_villages": CommentSchema,
    "respond_to_objections": RespondSchema,
    "township_feedback": FeedbackSchema,
    "close_consultation": CommentSchema,
    "forward": ForwardSchema,
    "return": CommentSchema,
    "reject": CommentSchema,
    "decide": DecideSchema,
}


# --------------------------------------------------------------------------- responses


class ApplicationSummarySchema(OutSchema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    kind = fields.String()
    state = fields.String()
    state_label = fields.Function(lambda a: STATE_LABELS[a.state], metadata={"type": "string"})
    title = fields.Function(lambda a: (a.proposed or {}).get("title"), metadata={"type": "string", "nullable": True})
    duty_code = fields.String(allow_none=True)
    applicant = fields.String(attribute="applicant.code")
    applicant_name = fields.String(attribute="applicant.name")
    round = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class FindingSchema(OutSchema):
    code = fields.String()
    severity = fields.String()
    field = fields.String(allow_none=True)
    message = fields.String()
    duty_code = fields.String(**optional())


class ReviewSchema(OutSchema):
    round = fields.Integer()
    unit = fields.String(attribute="unit.code")
    unit_name = fields.String(attribute="unit.name")
    status = fields.String()
    opinion = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    due = fields.Date(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)


class TownshipFeedbackOutSchema(OutSchema):
    status = fields.String()
    summary = fields.String(allow_none=True)


class VillageReplySchema(OutSchema):
    """A village's reply as its township reads it."""

    village = fields.String()
    name = fields.String()
    status = fields.String()
    opinion = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    capacity = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_on = fields.String(allow_none=True)
    due = fields.String(allow_none=True)


class ObjectionSchema(OutSchema):
    """API.md's OBJECTION: a member unit's or a township's objection, and how it was answered."""

    subject = fields.String()
    subject_name = fields.String()
    kind = fields.String(validate=validate.OneOf(("review", "consultation")))
    summary = fields.String(allow_none=True)
    response = fields.String(allow_none=True)
    text = fields.String(allow_none=True)


class ConsultationCountsSchema(OutSchema):
    consulted = fields.Integer()
    agreed = fields.Integer()
    conditions = fields.Integer()
    disagreed = fields.Integer()
    unable = fields.Integer()
    no_reply = fields.Integer()


class TownshipProgressSchema(OutSchema):
    township = fields.String()
    name = fields.String()
    in_scope = fields.Integer()
    replied = fields.Integer()
    overdue = fields.Integer()
    disagree = fields.Integer()
    feedback = fields.Nested(TownshipFeedbackOutSchema)
    replies = fields.List(fields.Nested(VillageReplySchema), **optional())


class ConsultationSchema(OutSchema):
    in_scope = fields.Integer()
    replied = fields.Integer()
    overdue = fields.Integer()
    disagree = fields.Integer()
    feedback_received = fields.Integer()
    townships = fields.Integer()
    scope = fields.String()
    due = fields.Date(allow_none=True)
    per_township = fields.List(fields.Nested(TownshipProgressSchema))


class DeadlinesSchema(OutSchema):
    review = fields.Date(allow_none=True)
    consultation = fields.Date(allow_none=True)


class DecisionOutSchema(OutSchema):
    decided_on = fields.Date(allow_none=True)
    document_number = fields.String(allow_none=True)
    county_meeting = fields.String(allow_none=True)


class ApplicationMeetingSchema(OutSchema):
    """A joint meeting that had the application on its agenda, with its latest decision on it."""

    id = fields.Integer()
    scheduled_at = fields.String()
    kind = fields.String()
    location = fields.String()
    outcome = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)


class ApplicationSchema(ApplicationSummarySchema):
    """The application as one viewer may see it: dumps ``presenter.shown(...)``."""

    workflow_version = fields.String()
    reason = fields.String(allow_none=True)
    proposed = fields.Nested(ProposedDutySchema, allow_none=True)
    boundary = fields.String(allow_none=True)
    mechanism = fields.String(allow_none=True)
    guarantees = fields.Nested(GuaranteesSchema, allow_none=True)
    special_requirements = fields.Nested(SpecialRequirementsSchema, allow_none=True)
    valid_until = fields.Date(allow_none=True)
    # One-offs (一事一批): what the villages do, which villages, what is provided, from when.
    valid_from = fields.Date(allow_none=True)
    tasks = fields.String(allow_none=True)
    scope = fields.Dict(allow_none=True)
    conditions = fields.String(allow_none=True)
    findings = Items(fields.Nested(FindingSchema))
    reviews = fields.List(fields.Nested(ReviewSchema))
    consultation = fields.Nested(ConsultationSchema, allow_none=True)
    objections = fields.List(fields.Nested(ObjectionSchema))
    deadlines = fields.Nested(DeadlinesSchema)
    cause = fields.String(allow_none=True)
    cause_basis = fields.String(allow_none=True)
    decision = fields.Nested(DecisionOutSchema)
    meeting_id = fields.Integer(allow_none=True)
    meetings = fields.List(fields.Nested(ApplicationMeetingSchema))
    released_in = fields.Integer(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())


class ApplicationFilterSchema(Schema):
    """The query of ``GET /applications`` (documented; the view reads it)."""

    state = fields.String(validate=validate.OneOf(STATES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    applicant = fields.String()
    limit = fields.Integer(validate=validate.Range(min=1, max=500))
    offset = fields.Integer(validate=validate.Range(min=0))
