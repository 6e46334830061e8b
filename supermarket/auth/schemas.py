"""API shapes for staff accounts."""

from __future__ import annotations

from marshmallow import Schema, fields


class MeOut(Schema):
    email = fields.String()
    name = fields.String()
    role = fields.String()
    sites = fields.List(fields.String(), attribute="site_codes")
