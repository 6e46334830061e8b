"""What a check-in asks for, as the schemas load it (CheckInIn's post_load builds these), and
what makes two check-ins sent with one Idempotency-Key "the same"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from supermarket.idempotency import clean_key as clean_key  # check-in imports it from here
from supermarket.idempotency import fingerprint
from supermarket.members.identifiers import normalise_membership_number
from supermarket.sites.settings import WEEKLY_SHOP
from supermarket.visits.models import PaymentMethod

# The most a visit may be paid, in pence (£100.00): the schema refuses more.
MAX_AMOUNT_PENCE = 10_000
# The most items of one band a check-in may count (the desk's steppers stop there too).
MAX_BAND_ITEMS = 200


@dataclass(frozen=True)
class Line:
    """A product scanned at the desk, by its code."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class Payment:
    """The payment as asked: None for the amount means the fee."""

    method: str = PaymentMethod.CASH.value
    amount_pence: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Offline:
    """When and on which tablet an offline check-in was recorded (sent when it syncs)."""

    recorded_at: datetime
    device: str = ""


@dataclass(frozen=True)
class CheckInRequest:
    """A check-in: the member, band counts and/or scanned products, the payment (None: cash,
    the fee) and the reason to override a rule."""

    membership_number: str
    basket: Mapping[str, int] = field(default_factory=dict)
    lines: tuple[Line, ...] = ()
    payment: Payment | None = None
    override_reason: str = ""
    offline: Offline | None = None
    visit_type: str = WEEKLY_SHOP
    proxy_id: int | None = None  # the member's proxy who collected (members' MemberProxy)


def request_fingerprint(request: CheckInRequest) -> str:
    """What makes two check-ins with one Idempotency-Key "the same", as a SHA-256 hex digest of
    the request: the member (the number normalised), the band counts (a count of 0 is no
    count), the scanned products (codes upper-cased, the same code's quantities added up, in
    any order), the payment (method, amount — none means the fee — and reason; no payment at
    all is a cash payment of the fee) and the override reason. Whitespace, key order and
    defaults the schema fills in make no difference."""
    number = request.membership_number
    lines: dict[str, int] = {}
    for line in request.lines:
        sku = line.sku.strip().upper()
        lines[sku] = lines.get(sku, 0) + line.quantity
    payment = request.payment or Payment()
    canonical: dict[str, object] = {
        "member": normalise_membership_number(number) or number.strip().upper(),
        "basket": {band: n for band, n in request.basket.items() if n},
        "lines": lines,
        "payment": {
            "method": payment.method or "cash",
            "amount_pence": payment.amount_pence,
            "reason": (payment.reason or "").strip(),
        },
        "override_reason": (request.override_reason or "").strip(),
    }
    if request.proxy_id is not None:
        # Only check-ins by a proxy carry it, so every other fingerprint is unchanged.
        canonical["proxy"] = request.proxy_id
    if request.offline is not None:
        # Only offline check-ins carry it, so an online check-in's fingerprint is unchanged.
        canonical["offline"] = {
            "recorded_at": request.offline.recorded_at.astimezone(UTC).isoformat(),
            "device": request.offline.device,
        }
    if request.visit_type != WEEKLY_SHOP:
        # Only other types carry it, so a weekly shop's retry still matches its first attempt.
        canonical["visit_type"] = request.visit_type
    return fingerprint(canonical)
