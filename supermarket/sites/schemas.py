"""API shapes for sites."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from supermarket.inputs import Str
from supermarket.serialise import PageOut
from supermarket.sites.settings import (
    ELIGIBILITY_ROUTES,
    FREQUENCIES,
    MEMBERSHIP_FEE_PERIODS,
    PAYMENT_MODELS,
    VISIT_WINDOWS,
    SiteSettingsSchema,
)


class SiteOut(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    postcode = fields.String()
    timezone = fields.String()
    active = fields.Boolean()


class BandOut(Schema):
    name = fields.String()
    limit = fields.Integer(allow_none=True, metadata={"description": "null: not counted"})
    average_value_pence = fields.Integer()


class TierOut(Schema):
    name = fields.String()
    min_people = fields.Integer()
    fee_pence = fields.Integer()
    band_limits = fields.Dict(keys=fields.String(), values=fields.Integer())


class VisitTypeOut(Schema):
    key = fields.String()
    label = fields.String()
    frequency = fields.String(metadata={"enum": list(FREQUENCIES)})
    limit = fields.Integer()
    band_limits = fields.Dict(keys=fields.String(), values=fields.Integer())
    parcel = fields.String(metadata={"description": "A fixed parcel: no basket counted"})
    fee_pence = fields.Integer(allow_none=True, metadata={"description": "null: the site's fee"})
    members_only = fields.Boolean()
    counts_toward_weekly = fields.Boolean()
    payment_model = fields.String(metadata={"enum": list(PAYMENT_MODELS)})


class SchoolHolidayOut(Schema):
    name = fields.String()
    start = fields.Date()
    end = fields.Date()


class PointsSchemeOut(Schema):
    credit = fields.Integer()
    credit_by_tier = fields.Dict(keys=fields.String(), values=fields.Integer())
    item_cost = fields.Integer()
    band_costs = fields.Dict(keys=fields.String(), values=fields.Integer())
    carry_over_cap = fields.Integer()


class SiteSettingsOut(Schema):
    """A site's settings in full: what it set, and the programme's defaults for the rest."""

    visits_per_week = fields.Integer()
    visit_window = fields.String(metadata={"enum": list(VISIT_WINDOWS)})
    membership_term_months = fields.Integer()
    review_interval_months = fields.Integer()
    grace_days = fields.Integer()
    fee_pence = fields.Integer()
    joining_fee_pence = fields.Integer()
    joining_fee_at_renewal = fields.Boolean()
    bands = fields.List(fields.Nested(BandOut))
    tiers = fields.List(fields.Nested(TierOut))
    eligibility_routes = fields.List(fields.String(metadata={"enum": list(ELIGIBILITY_ROUTES)}))
    catchment = fields.List(fields.String())
    allow_other_site_members = fields.Boolean()
    overrides_managers_only = fields.Boolean()
    member_cap = fields.Integer(allow_none=True)
    retention_months = fields.Integer()
    use_by_alert_days = fields.Integer()
    opening_hours = fields.String()
    offline_registration = fields.Boolean()
    date_of_birth_optional = fields.Boolean()
    visit_types = fields.List(fields.Nested(VisitTypeOut))
    school_holidays = fields.List(fields.Nested(SchoolHolidayOut))
    membership_fee_pence = fields.Integer()
    membership_fee_period = fields.String(metadata={"enum": list(MEMBERSHIP_FEE_PERIODS)})
    points = fields.Nested(PointsSchemeOut)


class SiteWithSettingsOut(SiteOut):
    settings = fields.Nested(SiteSettingsOut)


class SiteIn(Schema):
    code = Str(required=True, validate=validate.Length(min=2, max=20))
    name = Str(required=True, validate=validate.Length(min=1, max=120))
    address = Str(load_default="", validate=validate.Length(max=300))
    postcode = Str(load_default="", validate=validate.Length(max=10))
    timezone = Str(load_default="Europe/London")
    settings = fields.Dict(
        load_default=dict,
        metadata={
            "schema": SiteSettingsSchema,
            "description": "As PUT .../settings takes them; missing keys take the defaults",
        },
    )


class SiteListOut(PageOut):
    items = fields.List(fields.Nested(SiteOut))
