"""A unit's notices in JSON."""

from __future__ import annotations

from marshmallow import fields

from admission.core.schemas import OutSchema


class NotificationSchema(OutSchema):
    """A notice: dumps ``Notification``."""

    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Function(lambda n: n.read_at is not None, metadata={"type": "boolean"})


class NotificationReadSchema(OutSchema):
    id = fields.Integer()
    read = fields.Boolean()
