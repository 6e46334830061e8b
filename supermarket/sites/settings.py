"""A site's rules, with the defaults from DOMAIN.md; validated by marshmallow."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from supermarket.inputs import Int, Str

NO_FIXED_ABODE = "no_fixed_abode"  # no postcode needed (members.services.access)
ELIGIBILITY_ROUTES = ("self_declared", "referral", "benefits", "postcode", NO_FIXED_ABODE)
VISIT_WINDOWS = ("iso_week", "rolling_7_days")

# How often a visit type may be used by one household. `per_week` follows the site's visit
# window (ISO week or rolling 7 days); `per_school_holiday` counts within the school holiday
# containing the day (the site's `school_holidays`), and refuses outside one.
FREQUENCIES = ("per_week", "rolling_30_days", "per_school_holiday", "per_year", "unlimited")
# How a visit type is paid for: the flat fee per visit (today's), an annual or termly
# membership fee (visits then cost nothing more), pay-as-you-feel (any amount, nothing
# included), or points.
PAYMENT_MODELS = ("flat_fee", "membership_fee", "pay_as_you_feel", "points")
# How long a membership fee covers: a year, or a school term (four months: three a year).
MEMBERSHIP_FEE_PERIODS = ("annual", "termly")
WEEKLY_SHOP = "weekly_shop"
MAX_VISIT_TYPES = 8
MAX_SCHOOL_HOLIDAYS = 20

# Upper bounds on the settings lists, far above what a community supermarket uses (three to
# five colour bands, one to three household tiers, a town's few dozen districts and sectors)
# yet low enough that the settings page and every check-in that reads them stay small.
MAX_BANDS = 12
MAX_TIERS = 8
MAX_CATCHMENT = 100


@dataclass(frozen=True)
class Band:
    """An allowance band: how many items of it a visit may take, and their average value."""

    name: str
    limit: int | None  # None: uncounted (free items)
    average_value_pence: int = 0


@dataclass(frozen=True)
class Tier:
    """A household-size tier: from this many people, this fee and these band limits."""

    name: str
    min_people: int
    fee_pence: int
    band_limits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class VisitType:
    """A kind of visit a site gives, with its own rules.

    The weekly shop (`weekly_shop`, always present) takes its limit, fee, bands and tiers from
    the site's own settings (visits_per_week, visit_window, fee_pence, bands, tiers); the
    fields here apply to the other types. `band_limits` replaces the site's (or the tier's)
    limit of the bands it names; a non-empty `parcel` makes the type a fixed parcel (described
    so) with no basket counted against bands. `fee_pence` None is the site's (tier's) fee.
    `members_only` False: it may be given to a household whose membership does not let it
    shop (waiting, ended) and anonymously. `counts_toward_weekly`: its visits count against
    the weekly shop's limit too.
    """

    key: str
    label: str
    frequency: str = "per_week"
    limit: int = 1
    band_limits: dict[str, int] = field(default_factory=dict)
    parcel: str = ""
    fee_pence: int | None = None
    members_only: bool = True
    counts_toward_weekly: bool = False
    payment_model: str = "flat_fee"


# The programme's defaults a site starts from (the settings page offers them to add).
PROGRAMME_VISIT_TYPES: tuple[VisitType, ...] = (
    VisitType(WEEKLY_SHOP, "Weekly shop"),
    VisitType(
        "emergency_parcel",
        "Emergency parcel",
        frequency="rolling_30_days",
        limit=1,
        parcel="Three days' food for the household",
        fee_pence=0,
        members_only=False,
    ),
    VisitType(
        "holiday_hamper",
        "Holiday hamper (HAF)",
        frequency="per_school_holiday",
        limit=1,
        parcel="A hamper of food for the school holiday",
        fee_pence=0,
    ),
    VisitType(
        "seasonal_extra",
        "Christmas extra",
        frequency="per_year",
        limit=1,
        parcel="A seasonal bag",
        fee_pence=0,
    ),
)


@dataclass(frozen=True)
class PointsScheme:
    """A points site's rules: the points a household gets at each visit (`credit`, or its
    tier's in `credit_by_tier`), what an item of each band costs (`band_costs`; a band not
    named costs `item_cost`) and the most points carried over from one visit to the next."""

    credit: int = 20
    credit_by_tier: dict[str, int] = field(default_factory=dict)
    item_cost: int = 1
    band_costs: dict[str, int] = field(default_factory=dict)
    carry_over_cap: int = 10


@dataclass(frozen=True)
class SchoolHoliday:
    """A school holiday (both ends included); one may span two months or two years."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class SiteSettings:
    """Everything a site may want different from the programme's defaults."""

    visits_per_week: int = 1
    visit_window: str = "iso_week"
    membership_term_months: int = 6
    review_interval_months: int = 3
    grace_days: int = 0
    fee_pence: int = 350
    joining_fee_pence: int = 0
    # The joining fee is taken again when a membership is renewed.
    joining_fee_at_renewal: bool = False
    bands: tuple[Band, ...] = (
        Band("red", 2, 250),
        Band("blue", 8, 120),
        Band("free", None, 0),
    )
    tiers: tuple[Tier, ...] = ()
    eligibility_routes: tuple[str, ...] = ELIGIBILITY_ROUTES[:3]
    catchment: tuple[str, ...] = ()
    allow_other_site_members: bool = False
    overrides_managers_only: bool = False
    member_cap: int | None = None
    retention_months: int = 24
    use_by_alert_days: int = 2
    opening_hours: str = ""
    # An enrolled tablet may register a household while offline (checked at sync).
    offline_registration: bool = False
    # A household may join without a date of birth (an age band recorded instead): for people
    # who will not give one. Off by default, so a site asks for it as it always has.
    date_of_birth_optional: bool = False
    # The kinds of visit the site gives; the weekly shop always first. One type: the desk
    # never asks which.
    visit_types: tuple[VisitType, ...] = (PROGRAMME_VISIT_TYPES[0],)
    school_holidays: tuple[SchoolHoliday, ...] = ()
    # The membership fee of visit types paid by membership (payment_model membership_fee).
    membership_fee_pence: int = 0
    membership_fee_period: str = "annual"
    # The points of visit types paid in points (payment_model points).
    points: PointsScheme = field(default_factory=PointsScheme)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["school_holidays"] = [
            {"name": h.name, "start": h.start.isoformat(), "end": h.end.isoformat()}
            for h in self.school_holidays
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SiteSettings:
        """Stored settings merged over the defaults (new settings appear with defaults).

        The list bounds are not applied: settings saved before a bound existed still load,
        and the next change to them must bring them within it.
        """
        loaded = StoredSiteSettingsSchema().load(data or {})
        return cls(**loaded)

    @classmethod
    def from_input(cls, data: dict[str, Any], *, complete: bool = False) -> SiteSettings:
        """Settings given by a person or a client, fully validated; settings left out take the
        defaults, unless `complete`, where every setting must be given."""
        schema = CompleteSiteSettingsSchema() if complete else SiteSettingsSchema()
        return cls(**schema.load(data))

    def band(self, name: str) -> Band | None:
        return next((b for b in self.bands if b.name == name), None)

    def visit_type(self, key: str) -> VisitType | None:
        return next((t for t in self.visit_types if t.key == key), None)

    def school_holiday(self, day: date) -> SchoolHoliday | None:
        """The school holiday containing the day, if any."""
        return next((h for h in self.school_holidays if h.start <= day <= h.end), None)


class ListBound(validate.Length):
    """At most `max` entries in a settings list, each different if `unique`: checked on input,
    not when stored settings are loaded (see SiteSettings.from_dict)."""

    def __init__(self, most: int, what: str, *, unique: bool = False) -> None:
        super().__init__(max=most, error=f"Give at most {most} {what}.")
        self.unique = unique
        self.what = what

    def __call__(self, value: Any) -> Any:
        super().__call__(value)
        if self.unique and len(set(value)) != len(value):
            raise ValidationError(f"Give each of the {self.what} only once.")
        return value


class BandSchema(Schema):
    name = Str(
        required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,19}$", error="Use a-z, 0-9, _")
    )
    limit = Int(required=True, allow_none=True, validate=validate.Range(min=0, max=200))
    average_value_pence = Int(load_default=0, validate=validate.Range(min=0, max=10_000))


class TierSchema(Schema):
    name = Str(required=True, validate=validate.Length(min=1, max=40))
    min_people = Int(required=True, validate=validate.Range(min=1, max=40))
    fee_pence = Int(required=True, validate=validate.Range(min=0, max=10_000))
    band_limits = fields.Dict(
        keys=Str(),
        values=Int(validate=validate.Range(min=0, max=200)),
        load_default=dict,
    )


class VisitTypeSchema(Schema):
    key = Str(
        required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="Use a-z, 0-9, _")
    )
    label = Str(required=True, validate=validate.Length(min=1, max=60))
    frequency = Str(load_default="per_week", validate=validate.OneOf(FREQUENCIES))
    limit = Int(load_default=1, validate=validate.Range(min=1, max=52))
    band_limits = fields.Dict(
        keys=Str(), values=Int(validate=validate.Range(min=0, max=200)), load_default=dict
    )
    parcel = Str(load_default="", validate=validate.Length(max=120))
    fee_pence = Int(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000))
    members_only = fields.Boolean(load_default=True)
    counts_toward_weekly = fields.Boolean(load_default=False)
    payment_model = Str(load_default="flat_fee", validate=validate.OneOf(PAYMENT_MODELS))


class SchoolHolidaySchema(Schema):
    name = Str(required=True, validate=validate.Length(min=1, max=60))
    start = fields.Date(required=True)
    end = fields.Date(required=True)

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("The holiday ends before it starts.", "end")
        if (data["end"] - data["start"]).days > 62:
            raise ValidationError("A school holiday is at most nine weeks long.", "end")


class PointsSchemeSchema(Schema):
    credit = Int(load_default=20, validate=validate.Range(min=0, max=1_000))
    credit_by_tier = fields.Dict(
        keys=Str(), values=Int(validate=validate.Range(min=0, max=1_000)), load_default=dict
    )
    item_cost = Int(load_default=1, validate=validate.Range(min=0, max=1_000))
    band_costs = fields.Dict(
        keys=Str(), values=Int(validate=validate.Range(min=0, max=1_000)), load_default=dict
    )
    carry_over_cap = Int(load_default=10, validate=validate.Range(min=0, max=10_000))


class SiteSettingsSchema(Schema):
    """Validates settings input; missing keys take the DOMAIN.md defaults."""

    visits_per_week = Int(load_default=1, validate=validate.Range(min=1, max=14))
    visit_window = Str(load_default="iso_week", validate=validate.OneOf(VISIT_WINDOWS))
    membership_term_months = Int(load_default=6, validate=validate.Range(min=1, max=60))
    review_interval_months = Int(load_default=3, validate=validate.Range(min=1, max=24))
    grace_days = Int(load_default=0, validate=validate.Range(min=0, max=90))
    fee_pence = Int(load_default=350, validate=validate.Range(min=0, max=10_000))
    joining_fee_pence = Int(load_default=0, validate=validate.Range(min=0, max=10_000))
    joining_fee_at_renewal = fields.Boolean(load_default=False)
    bands = fields.List(
        fields.Nested(BandSchema), load_default=None, validate=ListBound(MAX_BANDS, "bands")
    )
    tiers = fields.List(
        fields.Nested(TierSchema), load_default=list, validate=ListBound(MAX_TIERS, "tiers")
    )
    eligibility_routes = fields.List(
        Str(validate=validate.OneOf(ELIGIBILITY_ROUTES)),
        load_default=lambda: list(ELIGIBILITY_ROUTES[:3]),
        validate=[
            validate.Length(min=1, error="Accept at least one eligibility route."),
            ListBound(len(ELIGIBILITY_ROUTES), "eligibility routes", unique=True),
        ],
    )
    catchment = fields.List(
        Str(validate=validate.Length(max=8)),
        load_default=list,
        validate=ListBound(MAX_CATCHMENT, "postcode districts or sectors"),
    )
    allow_other_site_members = fields.Boolean(load_default=False)
    overrides_managers_only = fields.Boolean(load_default=False)
    member_cap = Int(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=1_000_000)
    )
    retention_months = Int(load_default=24, validate=validate.Range(min=1, max=120))
    use_by_alert_days = Int(load_default=2, validate=validate.Range(min=0, max=30))
    opening_hours = Str(load_default="", validate=validate.Length(max=500))
    offline_registration = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Enrolled tablets may register a household while offline; the "
            "server's duplicate checks run when it syncs (a possible duplicate is marked for "
            "the manager's review). Optional in PUT: left out, it keeps its value."
        },
    )
    date_of_birth_optional = fields.Boolean(
        load_default=False,
        metadata={
            "description": "A household may join without a date of birth, giving an age band "
            "instead (duplicate checks then match on what is known). Optional in PUT."
        },
    )

    visit_types = fields.List(
        fields.Nested(VisitTypeSchema),
        load_default=lambda: [asdict(PROGRAMME_VISIT_TYPES[0])],
        validate=ListBound(MAX_VISIT_TYPES, "visit types"),
        metadata={
            "description": "The kinds of visit the site gives, the weekly shop first (its "
            "limit, fee, bands and tiers are the site's own settings). Optional in PUT: left "
            "out, it keeps its value."
        },
    )
    school_holidays = fields.List(
        fields.Nested(SchoolHolidaySchema),
        load_default=list,
        validate=ListBound(MAX_SCHOOL_HOLIDAYS, "school holidays"),
        metadata={
            "description": "The school holidays (both ends included) that visit types with "
            "the `per_school_holiday` frequency count within. Optional in PUT."
        },
    )

    membership_fee_pence = Int(
        load_default=0,
        validate=validate.Range(min=0, max=10_000),
        metadata={
            "description": "The membership fee of visit types paid by membership, taken at "
            "the desk with a check-in (at most £100, what a check-in may take). Optional in PUT."
        },
    )
    membership_fee_period = Str(
        load_default="annual",
        validate=validate.OneOf(MEMBERSHIP_FEE_PERIODS),
        metadata={
            "description": "What a membership fee covers from the day it is paid: a year "
            "(annual) or four months (termly). Optional in PUT."
        },
    )
    points = fields.Nested(
        PointsSchemeSchema,
        load_default=dict,
        metadata={
            "description": "The points of visit types paid in points: credit per visit (by "
            "tier name), cost per item by band, carry-over cap. Optional in PUT."
        },
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        bands = data.get("bands")
        if bands is not None:
            listed = [b["name"] for b in bands]
            if len(set(listed)) != len(listed):
                raise ValidationError("Each band needs a different name.", "bands")
        names = {b["name"] for b in bands} if bands else {"red", "blue", "free"}
        for tier in data.get("tiers") or []:
            unknown = set(tier["band_limits"]) - names
            if unknown:
                raise ValidationError(f"Unknown band: {', '.join(sorted(unknown))}.", "tiers")
        self._check_visit_types(data.get("visit_types") or [], names, data)
        self._check_points(data.get("points") or {}, names, data.get("tiers") or [])
        if "postcode" in data.get("eligibility_routes", []) and not data.get("catchment"):
            raise ValidationError(
                "List the catchment postcode districts to accept the postcode route.",
                "catchment",
            )

    # Settings as stored are loaded without the checks on names that only input needs.
    stored = False

    def _check_points(
        self, points: dict[str, Any], bands: set[str], tiers: list[dict[str, Any]]
    ) -> None:
        """Band costs name the site's bands and tier credits its tiers, each refused beside
        its own setting (`points.band_costs`, `points.credit_by_tier`)."""
        problems: dict[str, list[str]] = {}
        unknown = set(points.get("band_costs", {})) - bands
        if unknown:
            problems["band_costs"] = [f"Unknown band: {', '.join(sorted(unknown))}."]
        # A tier named here but not a tier would quietly give the usual credit instead.
        strange = set(points.get("credit_by_tier", {})) - {t["name"] for t in tiers}
        if strange and not self.stored:
            problems["credit_by_tier"] = [
                f"Not one of the site's tiers: {', '.join(sorted(strange))}."
            ]
        if problems:
            raise ValidationError({"points": problems})

    @staticmethod
    def _check_visit_types(
        types: list[dict[str, Any]], bands: set[str], data: dict[str, Any]
    ) -> None:
        keys = [t["key"] for t in types]
        if types and keys[0] != WEEKLY_SHOP:
            raise ValidationError(
                "The weekly shop comes first and cannot be removed.", "visit_types"
            )
        if len(set(keys)) != len(keys):
            raise ValidationError("Each visit type needs a different key.", "visit_types")
        for each in types:
            unknown = set(each["band_limits"]) - bands
            if unknown:
                raise ValidationError(f"Unknown band: {', '.join(sorted(unknown))}.", "visit_types")
            if each["frequency"] == "per_school_holiday" and not data.get("school_holidays"):
                raise ValidationError(
                    "List the school holidays to give a visit type once per school holiday.",
                    "school_holidays",
                )

    def load(self, data: Any, **kwargs: Any) -> Any:
        loaded = dict(super().load(data, **kwargs))
        from supermarket.postcodes import normalise_catchment_entry

        catchment: list[str] = []
        for entry in loaded.get("catchment") or []:
            normal = normalise_catchment_entry(entry)
            if normal is None:
                raise ValidationError(
                    {"catchment": [f"{entry!r} is not a postcode district or sector."]}
                )
            catchment.append(normal)
        loaded["catchment"] = tuple(catchment)
        if loaded.get("bands") is None:
            loaded["bands"] = SiteSettings().bands
        else:
            loaded["bands"] = tuple(Band(**b) for b in loaded["bands"])
        loaded["tiers"] = tuple(
            sorted((Tier(**t) for t in loaded["tiers"]), key=lambda t: t.min_people)
        )
        loaded["eligibility_routes"] = tuple(loaded["eligibility_routes"])
        if "visit_types" in loaded:
            loaded["visit_types"] = tuple(VisitType(**t) for t in loaded["visit_types"]) or (
                PROGRAMME_VISIT_TYPES[0],
            )
        if isinstance(loaded.get("points"), dict):
            loaded["points"] = PointsScheme(**loaded["points"])
        if "school_holidays" in loaded:
            loaded["school_holidays"] = tuple(
                sorted(
                    (SchoolHoliday(**h) for h in loaded["school_holidays"]), key=lambda h: h.start
                )
            )
        return loaded


class StoredSiteSettingsSchema(SiteSettingsSchema):
    """Settings as stored: the list bounds, which apply to input, are left out (and the
    tiers points are credited by are not checked: a renamed tier's credit is only unused)."""

    stored = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for each in self.fields.values():
            each.validators = [v for v in each.validators if not isinstance(v, ListBound)]


# Settings added after clients began to PUT every setting: a full replacement may leave them
# out, and then keeps their value (sites.services.update_settings), so those bodies still work.
OPTIONAL_IN_FULL = frozenset(
    {
        "offline_registration",
        "visit_types",
        "school_holidays",
        "membership_fee_pence",
        "membership_fee_period",
        "points",
        "date_of_birth_optional",
    }
)


class CompleteSiteSettingsSchema(SiteSettingsSchema):
    """Every setting, as a full replacement (PUT) must give them: none is left to a default
    (but those in OPTIONAL_IN_FULL, which keep their value when left out)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, each in self.fields.items():
            if name in OPTIONAL_IN_FULL:
                continue
            each.required = True
            each.load_default = missing


class SiteSettingsChangesSchema(SiteSettingsSchema):
    """Any of the settings, as a partial update (PATCH) names them: the others are kept.

    It describes the body for the API document; the update itself is validated merged over
    the stored settings (sites.services.update_settings), so that rules across settings hold.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for each in self.fields.values():
            each.load_default = missing
