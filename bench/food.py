"""Generators for stock (donations in, issues out, waste) and food-insecurity surveys.

Run by bench.generation after the visits, when their tables exist.

Stock is simulated site by site and week by week in memory, the way the stock services would
have written it: every donation line lands in a batch (one per product, date and source, as
`batch_for` keys them) with a "received" movement; before each session past-use-by stock and
stale bread and veg are written off, now and then something is damaged or a fridge fails; at
each session stock goes out earliest-dated first, never past its use-by, in the weight the
site's members took that week (from the generated visits). Batch quantities are the sum of
their movements and never negative.

Surveys: members with a survey consent answer a baseline soon after joining, and many still
members three months on a 3-month follow-up (some a 6-month one too), inside the windows the
survey services allow. Answers are walked through the real screening order and scored by
`supermarket.surveys.scoring.score`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.data import (
    OPENING_DAYS,
    BulkWriter,
    Fmt,
    Generator,
    insert_columns,
    reflect_table,
    week_monday,
)

# Grams of recorded stock a member household takes home at one visit, on average.
BASKET_G = 4_800
# Food in by source, as shares of what goes out (a little more comes in than goes out).
SOURCE_SHARES = (
    ("fareshare", 0.42),
    ("retailer", 0.28),
    ("purchase", 0.14),
    ("public", 0.09),
    ("community", 0.09),
)
# Whatever the demand, a site gets at least this much a week (grams): stock before members.
MIN_WEEK_G = 40_000
# Days to expiry by category (lo, hi), and whether the date is a use-by.
LIFE = {
    "chilled": (3, 8, True),
    "bakery": (1, 4, False),
    "fresh_produce": (4, 10, False),
    "frozen": (90, 200, False),
    "ambient": (120, 500, False),
    "baby": (200, 500, False),
    "household": (0, 0, False),
    "toiletries": (0, 0, False),
}
# What each kind of donor brings, by category.
DONOR_MIX = {
    "fareshare": ("ambient", "chilled", "fresh_produce", "frozen"),
    "retailer": ("chilled", "bakery", "fresh_produce", "chilled", "bakery"),
    "purchase": ("ambient", "ambient", "household", "toiletries", "baby"),
    "public": ("ambient", "ambient", "toiletries", "baby"),
    "community": ("ambient", "fresh_produce", "household"),
}
DONOR_NAMES = {
    "fareshare": "FareShare {region}",
    "retailer": "Co-op {town}",
    "purchase": "Booker {town}",
    "public": "Public donations",
    "community": "St Mary's Church {town}",
}
STALE_DAYS = 2  # bread and veg this long past best-before go in the compost


@dataclass
class Batch:
    id: int
    product: int
    category: str
    unit_g: int
    date_kind: str
    expires: date | None
    source: str
    key: str
    quantity: int = 0
    created: datetime | None = None


@dataclass
class SiteStock:
    batches: dict[tuple[int, str], Batch] = field(default_factory=dict)
    # live batches (quantity > 0) by category
    live: dict[str, list[Batch]] = field(default_factory=lambda: defaultdict(list))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _next_id(conn: Connection, table: str) -> int:
    return int(conn.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1


def _fix_sequences(conn: Connection, tables: tuple[str, ...]) -> None:
    """Rows written with explicit ids: move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for name in tables:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
        )
    conn.commit()


def _products(gen: Generator, conn: Connection, fmt: Fmt) -> dict[str, list[tuple[int, int]]]:
    """The demo catalogue and one weighed-crate product per category; (id, grams) by category
    for itemised products, and under "crate:<category>" the crate product."""
    from supermarket.stock.demo import CATALOGUE, demo_barcode
    from supermarket.stock.models import Category
    from supermarket.stock.services.products import crate_sku

    table = reflect_table(conn, "products")
    cols = insert_columns(table, skip=())
    now = fmt.dt(datetime.now(UTC))
    first = _next_id(conn, "products")
    rows: list[dict[str, Any]] = []
    for index, (sku, name, category, band, grams, price, minimum) in enumerate(CATALOGUE):
        rows.append(
            {
                "sku": sku,
                "name": name,
                "name_key": name.lower(),
                "category": category,
                "band": band,
                "unit_weight_g": grams,
                "reference_price_pence": price,
                "barcode": demo_barcode(index),
                "active": True,
                "min_level": minimum,
                "weight_only": False,
            }
        )
    for category in Category:
        name = f"{category.label} (weighed crate)"
        rows.append(
            {
                "sku": crate_sku(category.value),
                "name": name,
                "name_key": name.lower(),
                "category": category.value,
                "band": "free",
                "unit_weight_g": 1,
                "reference_price_pence": 0,
                "barcode": None,
                "active": True,
                "min_level": None,
                "weight_only": True,
            }
        )
    by_category: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with gen.progress.bar("products", len(rows)) as bar:
        writer = BulkWriter(conn, table, cols, bar)
        for n, row in enumerate(rows):
            row.update(id=first + n, updated_at=now, created_at=now)
            writer.add(tuple(row[c] for c in cols))
            key = f"crate:{row['category']}" if row["weight_only"] else row["category"]
            by_category[key].append((first + n, row["unit_weight_g"]))
        writer.flush()
    gen.counts["products"] = len(rows)
    return by_category


def _weekly_demand(conn: Connection, first_monday: date) -> dict[tuple[int, int], int]:
    """Visits not voided per (site, week index)."""
    found: dict[tuple[int, int], int] = {}
    rows = conn.exec_driver_sql(
        "SELECT site_id, local_date, count(*) FROM visits WHERE voided_at IS NULL "
        "GROUP BY site_id, local_date"
    )
    for site_id, day, count in rows:
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        week = (day - first_monday).days // 7
        found[(site_id, week)] = found.get((site_id, week), 0) + int(count)
    conn.commit()
    return found


def stock(gen: Generator, conn: Connection) -> None:
    """Products, donors, donations with their lines, batches and the movement ledger."""
    rng = gen.rng
    random = rng.random
    fmt = Fmt(conn.dialect.name)
    first_monday = week_monday(gen.start)
    this_monday = week_monday(gen.today)
    weeks = (this_monday - first_monday).days // 7
    products = _products(gen, conn, fmt)
    demand = _weekly_demand(conn, first_monday)

    donors_t = reflect_table(conn, "donors")
    donation_t = reflect_table(conn, "donations")
    lines_t = reflect_table(conn, "donation_lines")
    batches_t = reflect_table(conn, "stock_batches")
    moves_t = reflect_table(conn, "stock_movements")
    donor_cols = ["id", "site_id", "name", "name_key", "kind", "created_at"]
    donation_cols = [
        "id",
        "site_id",
        "donor_id",
        "received_on",
        "note",
        "total_quantity",
        "total_weight_g",
        "total_cost_pence",
        "actor_id",
        "created_at",
    ]
    line_cols = [
        "donation_id",
        "product_id",
        "batch_id",
        "quantity",
        "weight_g",
        "best_before",
        "use_by",
        "cost_pence",
    ]
    batch_cols = [
        "id",
        "site_id",
        "product_id",
        "date_kind",
        "expires_on",
        "source",
        "batch_key",
        "quantity",
        "created_at",
    ]
    move_cols = [
        "site_id",
        "batch_id",
        "product_id",
        "kind",
        "quantity",
        "weight_g",
        "reason",
        "note",
        "source",
        "category",
        "donation_id",
        "transfer_id",
        "stocktake_id",
        "visit_id",
        "actor_id",
        "at",
        "local_date",
    ]
    donor_id = _next_id(conn, "donors")
    donation_id = _next_id(conn, "donations")
    batch_id = _next_id(conn, "stock_batches")
    # About 30 movements a site-week, more at a busy site (the bar's length only).
    expected = len(gen.sites) * weeks * 30 + sum(demand.values()) // 5
    totals = {"donors": 0, "donations": 0, "donation_lines": 0, "stock_batches": 0}

    with gen.progress.bar("stock_movements", expected) as bar:
        moves_w = BulkWriter(conn, moves_t, move_cols, bar)

        def simulate(index: int, site: dict[str, Any]) -> None:
            nonlocal donor_id, donation_id, batch_id
            site_id = site["id"]
            manager, volunteer = site["manager_id"], site["volunteer_id"]
            town = site["code"].split("-")[0].title()
            donors: dict[str, int] = {}
            donor_rows = []
            for kind, _share in SOURCE_SHARES:
                name = DONOR_NAMES[kind].format(town=town, region="Eastern")
                donors[kind] = donor_id
                donor_rows.append(
                    (donor_id, site_id, name, name.lower(), kind, fmt.dt(_at(gen.start, 9)))
                )
                donor_id += 1
            state = SiteStock()
            donation_rows: list[tuple[Any, ...]] = []
            line_rows: list[tuple[Any, ...]] = []
            add_move = moves_w.rows.append
            days = OPENING_DAYS[index % len(OPENING_DAYS)]

            def batch_of(product: int, category: str, unit_g: int, day: date, source: str) -> Batch:
                nonlocal batch_id
                lo, hi, use_by = LIFE[category]
                if hi == 0:
                    kind, expires = "none", None
                else:
                    kind = "use_by" if use_by else "best_before"
                    expires = day + timedelta(days=rng.randint(lo, hi))
                key = f"{kind}:{expires.isoformat() if expires else '-'}:{source}"
                found = state.batches.get((product, key))
                if found is None:
                    found = Batch(batch_id, product, category, unit_g, kind, expires, source, key)
                    found.created = _at(day, 10, 30)
                    state.batches[(product, key)] = found
                    batch_id += 1
                if found.quantity == 0:
                    state.live[category].append(found)
                return found

            def out(
                batch: Batch, qty: int, kind: str, at: datetime, day: str, reason: Any, note: str
            ) -> None:
                batch.quantity -= qty
                add_move(
                    (
                        site_id,
                        batch.id,
                        batch.product,
                        kind,
                        -qty,
                        -qty * batch.unit_g,
                        reason,
                        note,
                        batch.source,
                        batch.category,
                        None,
                        None,
                        None,
                        None,
                        manager if kind == "wasted" else volunteer,
                        fmt.dt(at),
                        day,
                    )
                )

            def receive(day: date, source: str, grams: int) -> None:
                """One donation of about `grams`, in lines of the donor's usual categories."""
                nonlocal donation_id
                at = _at(day, 10, 30)
                at_text, day_text = fmt.dt(at), day.isoformat()
                mix = DONOR_MIX[source]
                n_lines = max(1, min(6, grams // 15_000 + rng.randint(0, 2)))
                items = weight = cost = 0
                for _ in range(n_lines):
                    category = mix[int(random() * len(mix))]
                    share = grams // n_lines
                    crate = source in ("fareshare", "community") and random() < 0.6
                    if crate:
                        product, unit_g = products[f"crate:{category}"][0]
                        qty = max(500, int(share * rng.uniform(0.7, 1.3)))
                    else:
                        choices = products[category]
                        product, unit_g = choices[int(random() * len(choices))]
                        qty = max(1, int(share * rng.uniform(0.7, 1.3)) // unit_g)
                    batch = batch_of(product, category, unit_g, day, source)
                    batch.quantity += qty
                    grams_in = qty * unit_g
                    line_cost = (
                        grams_in * rng.randint(12, 25) // 100 if source == "purchase" else None
                    )
                    weight += grams_in
                    items += 0 if crate else qty
                    cost += line_cost or 0
                    line_rows.append(
                        (
                            donation_id,
                            product,
                            batch.id,
                            qty,
                            grams_in,
                            batch.expires.isoformat()
                            if batch.date_kind == "best_before" and batch.expires
                            else None,
                            batch.expires.isoformat()
                            if batch.date_kind == "use_by" and batch.expires
                            else None,
                            line_cost,
                        )
                    )
                    add_move(
                        (
                            site_id,
                            batch.id,
                            product,
                            "received",
                            qty,
                            grams_in,
                            None,
                            "",
                            source,
                            category,
                            donation_id,
                            None,
                            None,
                            None,
                            volunteer,
                            at_text,
                            day_text,
                        )
                    )
                note = {
                    "fareshare": f"{rng.randint(6, 30)} crates",
                    "retailer": "Store collection",
                    "public": "Donation box at the library",
                    "community": "Harvest collection",
                    "purchase": "Top-up order",
                }[source]
                donation_rows.append(
                    (
                        donation_id,
                        site_id,
                        donors[source],
                        day_text,
                        note,
                        items,
                        weight,
                        cost,
                        volunteer,
                        at_text,
                    )
                )
                donation_id += 1

            def tidy(day: date) -> None:
                """Before a session: past use-by, stale bread and veg, the odd accident."""
                at, day_text = _at(day, 9), day.isoformat()
                for category, live in state.live.items():
                    kept = []
                    for batch in live:
                        if batch.quantity <= 0:
                            continue
                        if batch.expires is not None and (
                            (batch.date_kind == "use_by" and batch.expires < day)
                            or (
                                category in ("bakery", "fresh_produce")
                                and batch.expires < day - timedelta(days=STALE_DAYS)
                            )
                        ):
                            reason = "past_use_by" if batch.date_kind == "use_by" else "other"
                            note = "" if reason == "past_use_by" else "past its best, composted"
                            out(batch, batch.quantity, "wasted", at, day_text, reason, note)
                            continue
                        kept.append(batch)
                    live[:] = kept
                roll = random()
                if roll < 0.05:
                    chilled = [b for b in state.live.get("chilled", []) if b.quantity > 0]
                    if chilled:  # the fridge failed overnight
                        for batch in chilled:
                            out(
                                batch,
                                batch.quantity,
                                "wasted",
                                at,
                                day_text,
                                "temperature",
                                "Fridge 2 above 8 °C overnight",
                            )
                        state.live["chilled"] = []
                elif roll < 0.25:
                    pool = [b for c in ("ambient", "household") for b in state.live.get(c, [])]
                    pool = [b for b in pool if b.quantity > 1]
                    if pool:
                        batch = pool[int(random() * len(pool))]
                        qty = max(1, min(batch.quantity - 1, int(batch.quantity * 0.05) or 1))
                        out(batch, qty, "wasted", at, day_text, "damaged", "dented or split")
                elif roll < 0.252:
                    pool = state.live.get("ambient", [])
                    if pool:
                        batch = pool[int(random() * len(pool))]
                        if batch.quantity > 0:
                            out(batch, batch.quantity, "wasted", at, day_text, "recalled", "")
                            pool.remove(batch)

            def give_out(day: date, grams: int) -> None:
                """At a session: `grams` out, shared by category by what is on the shelves,
                earliest-dated first, never past its use-by."""
                at, day_text = _at(day, 12, 45), day.isoformat()
                held = {
                    c: sum(b.quantity * b.unit_g for b in live if b.quantity > 0)
                    for c, live in state.live.items()
                }
                total = sum(held.values())
                if total <= 0 or grams <= 0:
                    return
                for category, live in state.live.items():
                    if held[category] <= 0:
                        continue
                    want = min(held[category], grams * held[category] // total)
                    live.sort(key=lambda b: (b.expires or date.max, b.id))
                    for batch in live:
                        if want <= 0:
                            break
                        if batch.quantity <= 0 or (
                            batch.date_kind == "use_by"
                            and batch.expires is not None
                            and batch.expires < day
                        ):
                            continue
                        qty = min(batch.quantity, max(1, want // batch.unit_g))
                        out(batch, qty, "issued", at, day_text, None, "given out without a scan")
                        want -= qty * batch.unit_g
                    live[:] = [b for b in live if b.quantity > 0]

            for week in range(weeks):
                monday = first_monday + timedelta(weeks=week)
                visits = demand.get((site_id, week), 0)
                need = visits * BASKET_G
                supply = max(MIN_WEEK_G, int(need * rng.uniform(1.0, 1.15)))
                session_days = [monday + timedelta(days=d) for d in days]
                # Deliveries: FareShare on Tuesdays; the retailer's collection before each
                # session; the public box most weeks; church and purchases now and then.
                plan: list[tuple[date, str, int]] = []
                for kind, share in SOURCE_SHARES:
                    grams = int(supply * share)
                    if kind == "fareshare":
                        plan.append((monday + timedelta(days=1), kind, grams))
                    elif kind == "retailer":
                        for day in session_days:
                            plan.append((day, kind, grams // len(session_days)))
                    elif kind == "purchase":
                        if week % 2 == 0:
                            plan.append((monday + timedelta(days=3), kind, grams * 2))
                    elif kind == "public":
                        if random() < 0.7:
                            plan.append((monday + timedelta(days=4), kind, int(grams / 0.7)))
                    elif week % 4 == index % 4:
                        plan.append((monday + timedelta(days=2), kind, grams * 4))
                plan.sort(key=lambda p: p[0])
                events: list[tuple[date, int, str, int]] = [(d, 1, k, g) for d, k, g in plan]
                per_session = need // max(1, len(session_days))
                events += [(d, 0, "tidy", 0) for d in session_days]
                events += [(d, 2, "session", per_session) for d in session_days]
                events.sort(key=lambda e: (e[0], e[1]))
                for day, _order, what, grams in events:
                    if day >= gen.today:
                        continue
                    if what == "tidy":
                        tidy(day)
                    elif what == "session":
                        give_out(day, grams)
                    elif grams > 0:
                        receive(day, what, grams)
                if moves_w.full:
                    # Batches, donations and lines first: the movements refer to them.
                    totals["stock_batches"] += _write_batches(
                        conn, batches_t, batch_cols, state, site_id, fmt
                    )
                    _write(conn, donors_t, donor_cols, donor_rows)
                    totals["donors"] += len(donor_rows)
                    donor_rows = []
                    totals["donations"] += _write(conn, donation_t, donation_cols, donation_rows)
                    totals["donation_lines"] += _write(conn, lines_t, line_cols, line_rows)
                    donation_rows.clear()
                    line_rows.clear()
                    moves_w.flush()
                    add_move = moves_w.rows.append
            totals["stock_batches"] += _write_batches(
                conn, batches_t, batch_cols, state, site_id, fmt
            )
            _write(conn, donors_t, donor_cols, donor_rows)
            totals["donors"] += len(donor_rows)
            totals["donations"] += _write(conn, donation_t, donation_cols, donation_rows)
            totals["donation_lines"] += _write(conn, lines_t, line_cols, line_rows)
            moves_w.flush()
            _settle_batches(conn, state)

        for index, site in enumerate(gen.sites[: gen.scale.stock_sites]):
            simulate(index, site)
    gen.counts.update(totals)
    gen.counts["stock_movements"] = moves_w.written
    _fix_sequences(conn, ("products", "donors", "donations", "stock_batches"))


def _write(conn: Connection, table: Any, cols: list[str], rows: list[tuple[Any, ...]]) -> int:
    writer = BulkWriter(conn, table, cols, None)
    writer.rows.extend(rows)
    writer.flush()
    return writer.written


def _write_batches(
    conn: Connection, table: Any, cols: list[str], state: SiteStock, site_id: int, fmt: Fmt
) -> int:
    """The site's batches not yet written, with a quantity of 0: _settle_batches sets the
    quantities, the sums of their movements, once all the movements are in."""
    rows = []
    for batch in state.batches.values():
        if batch.created is None:
            continue
        rows.append(
            (
                batch.id,
                site_id,
                batch.product,
                batch.date_kind,
                batch.expires.isoformat() if batch.expires else None,
                batch.source,
                batch.key,
                0,
                fmt.dt(batch.created),
            )
        )
        batch.created = None  # written
    return _write(conn, table, cols, rows)


def _settle_batches(conn: Connection, state: SiteStock) -> None:
    """Each batch's cached quantity: what the simulation left, the sum of its ledger."""
    held = [(b.quantity, b.id) for b in state.batches.values() if b.quantity > 0]
    assert all(q >= 0 for q in (b.quantity for b in state.batches.values()))
    if held:
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        conn.exec_driver_sql(f"UPDATE stock_batches SET quantity = {mark} WHERE id = {mark}", held)
    conn.commit()


# --- surveys --------------------------------------------------------------------------------

# Household severity at baseline (the demo's latent scale: ~70% food insecure) and how it
# changes by a follow-up: better for most, the same for some, worse for a few.
SEVERITY_MEAN = 0.35
SEVERITY_SD = 1.35
BASELINE_SHARE = 0.8
FOLLOW_UP_SHARE = 0.65
SIX_MONTH_SHARE = 0.5


def _change(rng: Any) -> float:
    draw = rng.random()
    if draw < 0.58:
        return float(rng.gauss(1.3, 0.6))
    if draw < 0.9:
        return float(rng.gauss(0.0, 0.3))
    return -abs(float(rng.gauss(0.7, 0.4)))


def surveys(gen: Generator, conn: Connection) -> None:
    """Baselines and follow-ups for members with a survey consent, scored by the app."""
    from supermarket.members.terms import add_months
    from supermarket.surveys import scoring
    from supermarket.surveys.demo import answers_for
    from supermarket.surveys.models import INSTRUMENT_VERSION
    from supermarket.surveys.services import FOLLOW_UP_MONTHS, WINDOW_DAYS

    rng = gen.rng
    fmt = Fmt(conn.dialect.name)
    consented = {
        m
        for (m,) in conn.exec_driver_sql(
            "SELECT member_id FROM member_consents WHERE kind = 'survey' AND withdrawn_at IS NULL"
        )
    }
    conn.commit()
    sites = {s["id"]: s for s in gen.sites}
    table = reflect_table(conn, "survey_assessments")
    cols = [
        "site_id",
        "member_id",
        "kind",
        "timepoint",
        "mode",
        "instrument",
        "instrument_version",
        "reference_period",
        "answers",
        "raw_score_10",
        "category_10",
        "raw_score_6",
        "category_6",
        "food_insecure",
        "hunger_vital_sign_positive",
        "dont_know_or_refused",
        "complete",
        "rule_version",
        "local_date",
        "taken_at",
        "recorded_by_id",
        "client_key",
    ]
    last_day = gen.today - timedelta(days=1)
    minutes = (0, 10, 20, 30, 40, 50)

    def row(
        member: int, site: dict[str, Any], kind: str, timepoint: int, theta: float, day: date
    ) -> tuple[Any, ...]:
        answers = answers_for(rng, theta)
        score = scoring.score(answers)
        interviewer = rng.random() < 0.3
        taken = _at(day, rng.randint(10, 13), minutes[int(rng.random() * 6)])
        return (
            site["id"],
            member,
            kind,
            timepoint,
            "interviewer" if interviewer else "self",
            scoring.INSTRUMENT,
            INSTRUMENT_VERSION,
            scoring.REFERENCE_PERIOD,
            fmt.json({item: answers[item] for item in scoring.ITEMS if item in answers}),
            score.raw_score_10,
            score.category_10,
            score.raw_score_6,
            score.category_6,
            score.food_insecure_10,
            score.hunger_vital_sign_positive,
            score.dont_know_or_refused,
            score.complete,
            score.rule_version,
            day.isoformat(),
            fmt.dt(taken),
            site["volunteer_id"] if interviewer or rng.random() < 0.8 else site["manager_id"],
            None,
        )

    candidates = [m for m in gen.member_rows if m[0] in consented and m[3] is not None]
    follow_ups = 0
    with gen.progress.bar("survey_assessments", len(candidates)) as bar:
        writer = BulkWriter(conn, table, cols, None)
        for member, site_id, joined, end, _household in candidates:
            bar.update(1)
            assert end is not None
            latest = min(end, last_day)
            if rng.random() >= BASELINE_SHARE:
                continue
            baseline = joined + timedelta(days=min(int(rng.expovariate(1 / 5)), 28))
            if baseline > latest:
                continue
            site = sites[site_id]
            theta = rng.gauss(SEVERITY_MEAN, SEVERITY_SD)
            writer.add(row(member, site, "baseline", 0, theta, baseline))
            # Follow-ups at 3 and 6 months, each inside its window (21 days either side).
            for months in FOLLOW_UP_MONTHS:
                due = add_months(baseline, months)
                start = due - timedelta(days=WINDOW_DAYS)
                end_w = min(due + timedelta(days=WINDOW_DAYS), latest)
                share = FOLLOW_UP_SHARE if months == FOLLOW_UP_MONTHS[0] else SIX_MONTH_SHARE
                if end_w < start or rng.random() >= share:
                    break
                offset = min((end_w - start).days, max(0, int(rng.gauss(WINDOW_DAYS, 9))))
                theta -= _change(rng)
                writer.add(row(member, site, "follow_up", months, theta, start + timedelta(offset)))
                follow_ups += 1
            if writer.full:
                writer.flush()
        writer.flush()
    gen.counts["survey_assessments"] = writer.written
    gen.counts["survey_follow_ups"] = follow_ups
