"""The public statistics in JSON (API.md "Statistics"): the document's description of the answer, which
``figures.as_json`` serialises once per data version."""

from __future__ import annotations

from marshmallow import Schema, fields


class ReleaseFigureSchema(Schema):
    version = fields.Integer(required=True)
    effective_on = fields.String(allow_none=True, required=True)
    duties = fields.Integer(required=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ApplicantFigureSchema(Schema):
    unit = fields.String(required=True)
    name = fields.String(required=True)
    submitted = fields.Integer(required=True)
    admitted = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    withdrawn = fields.Integer(required=True)


class ApplicationFiguresSchema(Schema):
    by_outcome = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_applicant = fields.List(fields.Nested(ApplicantFigureSchema), required=True)


class StageFigureSchema(Schema):
    count = fields.Integer(required=True)
    median_days = fields.Float(allow_none=True, required=True)
    p90_days = fields.Float(allow_none=True, required=True)


class OverdueFigureSchema(Schema):
    unit = fields.String(required=True)
    name = fields.String(required=True)
    reviews = fields.Integer(required=True)
    replies = fields.Integer(required=True)


class ConsultationFiguresSchema(Schema):
    replies = fields.Integer(required=True)
    disagreed = fields.Integer(required=True)
    unable = fields.Integer(allow_none=True, required=True)


class OneOffFiguresSchema(Schema):
    approved = fields.Integer(required=True)
    in_force = fields.Integer(required=True)
    funding_total = fields.Float(required=True)


class DepartmentFigureSchema(Schema):
    unit = fields.String(allow_none=True, required=True)
    name = fields.String(required=True)
    reports = fields.Integer(required=True)
    stopped = fields.Integer(required=True)


class ReportFiguresSchema(Schema):
    received = fields.Integer(required=True)
    concluded = fields.Integer(required=True)
    by_outcome = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_department = fields.List(fields.Nested(DepartmentFigureSchema), required=True)


class StatisticsSchema(Schema):
    releases = fields.List(fields.Nested(ReleaseFigureSchema), required=True)
    applications = fields.Nested(ApplicationFiguresSchema, required=True)
    stages = fields.Dict(keys=fields.String(), values=fields.Nested(StageFigureSchema), required=True)
    overdue = fields.List(fields.Nested(OverdueFigureSchema), required=True)
    consultations = fields.Nested(ConsultationFiguresSchema, required=True)
    one_offs = fields.Nested(OneOffFiguresSchema, required=True)
    reports = fields.Nested(ReportFiguresSchema, required=True)
