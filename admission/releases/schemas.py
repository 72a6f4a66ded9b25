"""Releases of the list in JSON: the assembling body, and releases, duties (API.md's DUTY), change logs,
diffs and the one-off register as answered."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from admission.applications.schemas import ID, SHORT
from admission.core.schemas import OutSchema, StrictSchema


class ReleaseRequestSchema(StrictSchema):
    title = fields.String(allow_none=True, validate=SHORT)
    document_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    effective_on = fields.Date(allow_none=True)
    applications = fields.List(
        fields.Integer(strict=True, validate=ID), allow_none=True, validate=validate.Length(max=500)
    )


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
    duties = fields.List(fields.Nested(DutySchema))


class ChangeSchema(OutSchema):
    """A line of a change log: dumps a dict of ``queries.change_log``."""

    change = fields.String()
    duty_code = fields.String()
    application_id = fields.Integer(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields")


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


class DiffQuerySchema(Schema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)


class OneOffFundingSchema(OutSchema):
    amount = fields.Float(allow_none=True)
    per = fields.String(allow_none=True)
    source = fields.String(allow_none=True)


class OneOffSchema(OutSchema):
    """An approved one-off in the public register: dumps ``queries.one_off_register``."""

    id = fields.Integer()
    reference = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    applicant = fields.String()
    reason = fields.String(allow_none=True)
    funding = fields.Nested(OneOffFundingSchema)
    decided_on = fields.Date(allow_none=True)
    document_number = fields.String(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(("active", "expired")))
