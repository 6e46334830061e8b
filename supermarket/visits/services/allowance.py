"""The allowance engine: band limits and the fee for a household's size, the basket counted
against them, its retail value, and the payment taken."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from supermarket.errors import InvalidInput
from supermarket.sites.settings import SiteSettings, Tier
from supermarket.visits.models import PaymentMethod
from supermarket.visits.services.requests import Payment


@dataclass(frozen=True)
class Allowance:
    """What one visit of a household may take, and its fee.

    `limits` has every band of the site, in the site's order: an int is how many items of
    that band a visit may take, None an uncounted (free) band.
    """

    tier: str
    fee_pence: int
    limits: dict[str, int | None]
    average_values: dict[str, int]

    @property
    def counted(self) -> dict[str, int]:
        return {band: limit for band, limit in self.limits.items() if limit is not None}


def tier_for(settings: SiteSettings, people: int) -> Tier | None:
    """The highest tier whose minimum household size the household reaches."""
    chosen = None
    for tier in sorted(settings.tiers, key=lambda t: t.min_people):
        if tier.min_people <= people:
            chosen = tier
    return chosen


def allowance_for(settings: SiteSettings, people: int) -> Allowance:
    """The site's bands and fee, scaled by the household's tier: a tier's band limits replace
    the site's for the bands it names; its fee replaces the site's fee."""
    tier = tier_for(settings, people)
    limits: dict[str, int | None] = {}
    for band in settings.bands:
        limit = band.limit
        if tier is not None and band.limit is not None and band.name in tier.band_limits:
            limit = tier.band_limits[band.name]
        limits[band.name] = limit
    return Allowance(
        tier=tier.name if tier else "",
        fee_pence=tier.fee_pence if tier else settings.fee_pence,
        limits=limits,
        average_values={b.name: b.average_value_pence for b in settings.bands},
    )


@dataclass(frozen=True)
class ScannedLine:
    """A product to issue: what the allowance and the retail value need to know of it."""

    product_id: int
    sku: str
    name: str
    band: str
    quantity: int
    reference_price_pence: int


@dataclass
class Basket:
    """A visit's items per band (typed counts plus scanned products) and their value."""

    counts: dict[str, int] = field(default_factory=dict)
    values: dict[str, int] = field(default_factory=dict)
    lines: list[ScannedLine] = field(default_factory=list)
    over: dict[str, tuple[int, int]] = field(default_factory=dict)  # band: (items, limit)

    @property
    def retail_value_pence(self) -> int:
        return sum(self.values.values())

    @property
    def items(self) -> int:
        return sum(self.counts.values())


def count_basket(
    allowance: Allowance, typed: Mapping[str, int], lines: Sequence[ScannedLine] = ()
) -> Basket:
    """Count a basket against the allowance. Typed counts are valued at the band's average,
    scanned products at their reference price. Bands the site does not have are refused."""
    unknown = {
        band: ["This site has no such band."] for band in typed if band not in allowance.limits
    }
    if unknown:
        raise InvalidInput(
            "The basket names a band this site does not have.", fields={"basket": unknown}
        )
    line_errors = {
        str(i): {"sku": [f"Its band ({line.band}) is not one of this site's bands."]}
        for i, line in enumerate(lines)
        if line.band not in allowance.limits
    }
    if line_errors:
        raise InvalidInput(
            "A product's band is not one of this site's bands.", fields={"lines": line_errors}
        )
    basket = Basket(lines=list(lines))
    for band in allowance.limits:
        count = typed.get(band, 0)
        value = count * allowance.average_values.get(band, 0)
        for line in lines:
            if line.band == band:
                count += line.quantity
                value += line.quantity * line.reference_price_pence
        if count:
            basket.counts[band] = count
            basket.values[band] = value
        limit = allowance.limits[band]
        if limit is not None and count > limit:
            basket.over[band] = (count, limit)
    return basket


def describe_over(over: Mapping[str, tuple[int, int]]) -> str:
    parts = [f"{items} {band} (allowance {limit})" for band, (items, limit) in over.items()]
    return "Over the allowance: " + ", ".join(parts) + "."


@dataclass(frozen=True)
class SettledPayment:
    """What a visit was paid: the method, the amount taken and the reason it is not the fee."""

    method: str
    amount_pence: int
    reason: str


def settle_payment(fee_pence: int, payment: Payment | None) -> SettledPayment:
    """The payment taken for a visit. Cash or card pay the fee unless an amount is given, and
    an amount other than the fee needs a reason; a waived fee needs a reason and takes
    nothing; nothing due and nothing taken is free. The amount's range (MAX_AMOUNT_PENCE) is
    the schema's to check."""
    payment = payment or Payment()
    method = PaymentMethod(payment.method or PaymentMethod.CASH)
    reason = (payment.reason or "").strip()
    amount = payment.amount_pence
    if method is PaymentMethod.WAIVED:
        if amount:
            raise InvalidInput(
                "A waived fee takes no payment.",
                fields={"payment": {"amount_pence": ["Leave it empty or 0."]}},
            )
        if not reason:
            raise InvalidInput(
                "Say why the fee is waived.", fields={"payment": {"reason": ["Give a reason."]}}
            )
        return SettledPayment(method.value, 0, reason)
    if amount is None:
        amount = fee_pence
    if amount != fee_pence and not reason:
        raise InvalidInput(
            "Say why the amount paid is not the fee.",
            fields={"payment": {"reason": ["Give a reason."]}},
        )
    if fee_pence == 0 and amount == 0:
        # Nothing due and nothing taken: free, not a cash payment of nothing.
        return SettledPayment(PaymentMethod.FREE.value, 0, reason)
    return SettledPayment(method.value, amount, reason)


def savings(retail_value_pence: int, paid_pence: int) -> int:
    """What the member saved: the retail value less what they paid, never below nothing (a
    visit that cost more than its reference value saved nothing; it is not a loss to report)."""
    return max(0, retail_value_pence - paid_pence)
