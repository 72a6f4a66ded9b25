"""Releases of the list in JSON: the assembling body, and releases, duties (API.md's DUTY), change logs,
diffs and the one-off register as answered."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from admission.applications.schemas import ID, SHORT, ConsultationCountsSchema, ObjectionSchema
from admission.core.schemas import Items, Line, OutSchema, StrictSchema
from admission.releases.enums import Channel


class ReleaseRequestSchema(StrictSchema):
    title = Line(allow_none=True, validate=SHORT)
    document_number = Line(allow_none=True, validate=validate.Length(max=100))
    effective_on = fields.Date(allow_none=True)
    issued_by = Line(allow_none=True, validate=SHORT)
    applications = fields.List(
        fields.Integer(strict=True, validate=ID), allow_none=True, validate=validate.Length(max=500)
    )


class PublishSchema(StrictSchema):
    """What may still be filled in when publishing: the release document's number, date and issuer."""

    document_number = Line(allow_none=True, validate=validate.Length(max=100))
    effective_on = fields.Date(allow_none=True)
    issued_by = Line(allow_none=True, validate=SHORT)


class ClauseOutSchema(OutSchema):
    heading = fields.String(allow_none=True)
    content = fields.String()
    legal_basis = fields.List(fields.String())
    implementing_bodies = fields.List(fields.String())
    guiding_units = fields.List(fields.String())
    applies_to = fields.String()
    role = fields.String()
    remark = fields.String(allow_none=True)


class FlowOutSchema(OutSchema):
    code = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    implementing_body = fields.String(allow_none=True)
    steps = fields.List(fields.String())
    supervisor = fields.String(allow_none=True)
    risks = fields.List(fields.String())
    controls = fields.List(fields.String())


class DutySchema(OutSchema):
    """API.md's DUTY: dumps a record of ``catalogue.releases.release_records``."""

    code = fields.String()
    number = fields.Integer()
    category = fields.String()
    title = fields.String()
    applies_to = fields.String()
    role = fields.String()
    clauses = fields.List(fields.Nested(ClauseOutSchema))
    flow = fields.Nested(FlowOutSchema, allow_none=True)


class ReleaseSchema(OutSchema):
    """A release with its duties: dumps ``View(release, duties=records)``."""

    version = fields.Integer()
    title = fields.String()
    document_number = fields.String(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    issued_by = fields.String(allow_none=True)
    source = fields.String(validate=validate.OneOf(("procedure", "import")))
    provenance = fields.String(allow_none=True)
    notes = Items(fields.String())
    status = fields.String(validate=validate.OneOf(("in_force", "upcoming", "superseded", "draft")))
    duties = fields.List(fields.Nested(DutySchema))


class ChangeDecisionSchema(OutSchema):
    document_number = fields.String(allow_none=True)
    county_meeting = fields.String(allow_none=True)
    decided_on = fields.String(allow_none=True)


class ChangeSchema(OutSchema):
    """A line of a change log: dumps a dict of ``queries.change_log``."""

    change = fields.String()
    duty_code = fields.String()
    application_id = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    decision = fields.Nested(ChangeDecisionSchema, allow_none=True)
    cause = fields.String(allow_none=True)
    cause_basis = fields.String(allow_none=True)
    consultation = fields.Nested(ConsultationCountsSchema, allow_none=True)
    objections = fields.List(fields.Nested(ObjectionSchema))


class DraftChangeSchema(ChangeSchema):
    title = fields.String()


class DraftReleaseSchema(ReleaseSchema):
    """A release being assembled: dumps ``View(release, duties=..., state=..., changes=change_log)``."""

    state = fields.String(validate=validate.OneOf(("draft", "published")))
    changes = fields.List(fields.Nested(DraftChangeSchema))


class ChangeCountsSchema(OutSchema):
    added = fields.Integer()
    amended = fields.Integer()
    withdrawn = fields.Integer()


class ReleaseSummarySchema(OutSchema):
    """A published release without its duties: dumps ``queries.release_summaries``."""

    version = fields.Integer()
    title = fields.String()
    document_number = fields.String(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    published_at = fields.DateTime()
    status = fields.String(validate=validate.OneOf(("in_force", "upcoming", "superseded")))
    source = fields.String(validate=validate.OneOf(("procedure", "import")))
    issued_by = fields.String(allow_none=True)
    duty_count = fields.Integer()
    changes = fields.Nested(ChangeCountsSchema)


class AmendedSchema(OutSchema):
    code = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields")


class DiffSchema(OutSchema):
    added = fields.List(fields.Nested(DutySchema))
    withdrawn = fields.List(fields.Nested(DutySchema))
    amended = fields.List(fields.Nested(AmendedSchema))


class DutyHistorySchema(OutSchema):
    version = fields.Integer()
    change = fields.String()


class DutyWithHistorySchema(DutySchema):
    """A duty as last listed, whether it has since been withdrawn, and the releases that changed it."""

    withdrawn = fields.Boolean()
    history = fields.List(fields.Nested(DutyHistorySchema))


class InForceQuerySchema(Schema):
    on = fields.Date(metadata={"description": "the list in force on this day (default today, Asia/Shanghai)"})


class DiffQuerySchema(Schema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)


class OneOffFundingSchema(OutSchema):
    amount = fields.Float(allow_none=True)
    per = fields.String(allow_none=True)
    source = fields.String(allow_none=True)


class OneOffSchema(OutSchema):
    """An approved one-off in the public register (API.md): dumps ``applications.one_offs.register``."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    applicant = fields.String()
    tasks = fields.String(allow_none=True)
    scope = fields.Dict(allow_none=True)
    funding = fields.Nested(OneOffFundingSchema)
    conditions = fields.String(allow_none=True)
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("in_force", "expired")))
    document_number = fields.String(allow_none=True)


class PostingRequestSchema(StrictSchema):
    posted_on = fields.Date(required=True)
    channels = fields.List(
        fields.String(validate=validate.OneOf(Channel.values())), required=True, validate=validate.Length(min=1, max=5)
    )
    unit = Line(allow_none=True, validate=validate.Length(max=64))


class PostingSchema(OutSchema):
    unit = fields.String()
    posted_on = fields.Date()
    channels = fields.List(fields.String())
    recorded_at = fields.DateTime()


class TownshipPostingsSchema(OutSchema):
    code = fields.String()
    name = fields.String()
    units = fields.Integer()
    posted = fields.Integer()


class PostingProgressSchema(OutSchema):
    units = fields.Integer()
    posted = fields.Integer()
    townships = fields.List(fields.Nested(TownshipPostingsSchema))
