"""Postings (公开) of a release by villages, and the public one-off register."""

from __future__ import annotations

from flask import current_app, jsonify
from marshmallow import fields, validate

from admission.accounts.auth import require_account
from admission.api import blueprint
from admission.api.schemas import StrictSchema
from admission.api.util import load
from admission.applications import one_offs
from admission.core.clock import local_today
from admission.core.db import get_session
from admission.releases import postings
from admission.releases.enums import Channel
from catalogue.db import utcnow


class PostingRequestSchema(StrictSchema):
    posted_on = fields.Date(required=True)
    channels = fields.List(
        fields.String(validate=validate.OneOf(Channel.values())), required=True, validate=validate.Length(min=1, max=5)
    )
    unit = fields.String(allow_none=True, validate=validate.Length(max=64))


class PostingSchema(StrictSchema):
    unit = fields.String()
    posted_on = fields.Date()
    channels = fields.List(fields.String())
    recorded_at = fields.DateTime()


class TownshipProgressSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    units = fields.Integer()
    posted = fields.Integer()


class PostingProgressSchema(StrictSchema):
    units = fields.Integer()
    posted = fields.Integer()
    townships = fields.List(fields.Nested(TownshipProgressSchema))


class FundingSchema(StrictSchema):
    amount = fields.Raw(allow_none=True)
    per = fields.String(allow_none=True)
    source = fields.String(allow_none=True)


class OneOffSchema(StrictSchema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String(allow_none=True)
    applicant = fields.String()
    tasks = fields.String(allow_none=True)
    scope = fields.Raw(allow_none=True)
    funding = fields.Nested(FundingSchema)
    conditions = fields.String(allow_none=True)
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    status = fields.String()
    document_number = fields.String(allow_none=True)


def _today():
    return local_today(utcnow(), current_app.config["ADMISSION_TIMEZONE"])


@blueprint.post("/catalogue/releases/<int:version>/postings")
def record_posting(version: int):
    account = require_account()
    data = load(PostingRequestSchema())
    session = get_session()
    posting = postings.record_posting(session, account, version, data, now=utcnow())
    unit = data.get("unit") or account.unit.code
    response = jsonify(
        PostingSchema().dump(
            {"unit": unit, **{k: getattr(posting, k) for k in ("posted_on", "channels", "recorded_at")}}
        )
    )
    response.status_code = 201
    return response


@blueprint.get("/catalogue/releases/<int:version>/postings")
def posting_progress(version: int):
    progress = postings.posting_progress(get_session(), require_account(), version)
    return jsonify(PostingProgressSchema().dump(progress))


@blueprint.get("/one-offs")
def one_off_register():
    return jsonify(OneOffSchema(many=True).dump(one_offs.register(get_session(), _today())))
