"""API shapes for sites."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supermarket.inputs import Str


class SiteOut(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    postcode = fields.String()
    timezone = fields.String()
    active = fields.Boolean()


class SiteWithSettingsOut(SiteOut):
    settings = fields.Method("_settings")

    def _settings(self, site: object) -> object:
        # Every setting, defaults included: what GET answers is a complete PUT body.
        return site.settings.to_dict()  # type: ignore[attr-defined]


class SiteIn(Schema):
    code = Str(required=True, validate=validate.Length(min=2, max=20))
    name = Str(required=True, validate=validate.Length(min=1, max=120))
    address = Str(load_default="", validate=validate.Length(max=300))
    postcode = Str(load_default="", validate=validate.Length(max=10))
    timezone = Str(load_default="Europe/London")
    settings = fields.Dict(load_default=dict)


class SiteListOut(Schema):
    items = fields.List(fields.Nested(SiteOut))
    next = fields.String(allow_none=True)
