"""Request bodies and response shapes of the reports API (API.md "Demands outside the list")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from admission.core.schemas import Line, StrictSchema
from admission.reports.enums import Channel, Outcome

TEXT = validate.Length(min=1, max=5000)
ID = validate.Range(min=1, max=2**31 - 1)


class ReportBodySchema(StrictSchema):
    demanded_by = Line(allow_none=True, validate=validate.Length(max=64))
    demanded_by_name = Line(allow_none=True, validate=validate.Length(max=200))
    demand = fields.String(required=True, validate=TEXT)
    demanded_on = fields.Date(allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(Channel.values()))
    form = fields.Boolean(load_default=False)
    # Anonymous unless the reporter says otherwise: a village must choose to be named.
    anonymous = fields.Boolean(load_default=True)


class AskDepartmentSchema(StrictSchema):
    question = fields.String(required=True, validate=TEXT)
    due = fields.Date(required=True)


class DepartmentResponseSchema(StrictSchema):
    text = fields.String(required=True, validate=TEXT)


class ConcludeSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(Outcome.values()))
    text = fields.String(required=True, validate=TEXT)
    duty_code = fields.String(allow_none=True, validate=validate.Length(max=16))
    application_id = fields.Integer(allow_none=True, strict=True, validate=ID)


class EmptySchema(StrictSchema):
    pass


ACTION_SCHEMAS = {
    "accept": EmptySchema,
    "ask_department": AskDepartmentSchema,
    "department_response": DepartmentResponseSchema,
    "conclude": ConcludeSchema,
}


class CreatedReportSchema(Schema):
    id = fields.Integer()
    receipt = fields.String()
    state = fields.String()


class ReceiptSchema(Schema):
    """What the receipt shows: where the report stands and how it ended, nothing about who sent it."""

    state = fields.String()
    outcome = fields.String(allow_none=True)
    conclusion = fields.String(allow_none=True)
    due = fields.Date(allow_none=True)


class ReportSchema(Schema):
    """A report as the department it names, and its own reporter, read it: no reporter in it."""

    id = fields.Integer()
    state = fields.String()
    demanded_by = fields.Function(lambda r: r.demanded_by.code if r.demanded_by else None)
    demanded_by_name = fields.String(attribute="department_name", allow_none=True)
    demand = fields.String()
    demanded_on = fields.Date(allow_none=True)
    channel = fields.String()
    form = fields.Boolean()
    received_on = fields.Date()
    due = fields.Date(allow_none=True)
    question = fields.String(allow_none=True)
    department_due = fields.Date(allow_none=True)
    department_response = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    conclusion = fields.String(allow_none=True)
    duty_code = fields.String(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    concluded_on = fields.Date(allow_none=True)


class OversightReportSchema(ReportSchema):
    """The oversight units' view: who reported, unless the report is anonymous."""

    anonymous = fields.Boolean()
    reporter = fields.Function(lambda r: {"unit": r.reporter.code, "name": r.reporter.name} if r.reporter else None)
    escalated = fields.Function(lambda r: r.escalated_due is not None and r.escalated_due == r.due)


class SearchDutySchema(Schema):
    code = fields.String(required=True)
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    clause = fields.String(allow_none=True, required=True)


class SearchOneOffSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(allow_none=True, required=True)
    valid_until = fields.String(allow_none=True, required=True)


class SearchSchema(Schema):
    """Is this on the list? What of the list in force and of the one-offs in force matches."""

    duties = fields.List(fields.Nested(SearchDutySchema), required=True)
    one_offs = fields.List(fields.Nested(SearchOneOffSchema), required=True)


class SearchQuerySchema(Schema):
    q = fields.String(metadata={"description": "the words of the demand, as a village would put them"})
