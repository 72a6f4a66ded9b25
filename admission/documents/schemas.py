"""Documents (书面材料) in JSON: an attached file's record as answered."""

from __future__ import annotations

from marshmallow import fields

from admission.core.schemas import OutSchema


class DocumentSchema(OutSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()
    uploaded_by = fields.String()
