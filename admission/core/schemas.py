"""What every area's marshmallow schemas share: strict request bodies, response shapes that state what they
always carry, objects as one viewer sees them, and the error body and audit records of API.md."""

from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields

from admission.core.text import LINE_BREAK, EmailError, normalise_email


class StrictSchema(Schema):
    """A request body: an unknown field is refused (a typo must not be silently ignored)."""

    class Meta:
        unknown = RAISE


class Line(fields.String):
    """A single-line text (a title, a name, a location, a code): a line break in it is refused, so
    that it can never become a second line of an email header or a spreadsheet cell."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if LINE_BREAK.search(text):
            raise ValidationError("不能含有换行")
        return text


class Email(Line):
    """One email address (email-validator): a list of addresses would send notices elsewhere too."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return ""  # no address: the unit gets its notices in the app only
        try:
            return normalise_email(text)
        except EmailError as exc:
            raise ValidationError(str(exc)) from exc


class OutSchema(Schema):
    """A response: the document marks every field required (the dump always writes it) unless declared with
    ``metadata={"optional": True}`` (written only when the object has it); nothing else is ever written."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = not field_obj.metadata.get("optional", False)


def optional(**metadata) -> dict:
    return {"metadata": {"optional": True, **metadata}}


class Items(fields.List):
    """A list that a null in the database (never filled) answers as empty."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize([] if value is None else value, attr, obj, **kwargs)


class UTCDateTime(fields.DateTime):
    """A moment in UTC with its offset, whatever zone the value carries (the audit chain hashes this form)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(dt.UTC).isoformat()


class View:
    """An object as one viewer may see it: its own attributes, some replaced or added (``View(obj, x=...)``)."""

    def __init__(self, obj, **shown):
        self._obj = obj
        self.__dict__.update(shown)

    def __getattr__(self, name):
        return getattr(self._obj, name)


class ErrorBodySchema(OutSchema):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class ErrorSchema(OutSchema):
    """API.md's error body; ``details`` holds ``fields`` (path: message) or ``findings``."""

    error = fields.Nested(ErrorBodySchema)


class AuditEventSchema(OutSchema):
    id = fields.Integer()
    occurred_at = UTCDateTime()
    actor = fields.String()
    actor_unit = fields.String(allow_none=True)
    entity = fields.String()
    entity_id = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    changes = fields.Raw(allow_none=True, metadata={"type": "object"})
    comment = fields.String(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    hash = fields.String()


class AuditCheckSchema(OutSchema):
    ok = fields.Boolean()
    events = fields.Integer()
    first_bad = fields.Integer(allow_none=True)
