"""A realistic synthetic programme, written through a bulk path into the real schema.

The schema comes from the real migrations; sites and staff are created through the app's own
services; members, consents and (once their tables exist) visits, surveys and stock go in as
batched Core inserts (COPY on PostgreSQL for the largest tables) on the real tables, so every
NOT NULL, CHECK, UNIQUE and foreign key constraint applies and reports read the rows exactly
as they read real ones. Values come from the app's own helpers (membership numbers, search
keys, match hashes, age bands), so the data is what the app itself would have written.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from flask import Flask
from sqlalchemy import MetaData, Table, create_engine, select, text
from sqlalchemy.engine import Connection, make_url

from bench import names

if TYPE_CHECKING:
    import psycopg

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "instance" / "bench"
PASSWORD = "tangerine orbit velvet 42"
MATCH_KEY = "bench-member-match-key-not-secret"
SEED = 20261125


@dataclass(frozen=True)
class Scale:
    name: str
    sites: int
    members: int
    visits: int
    years: int = 3
    # Stock is simulated for the first (busiest) this many sites; None: every site.
    stock_sites: int | None = None

    @property
    def label(self) -> str:
        return (
            f"{self.name}: {self.sites} sites, {self.members:,} member households, "
            f"{self.visits:,} visits over {self.years} years"
        )


# Opening days per site (0 = Monday), rotated across sites: most open three days a week.
OPENING_DAYS: tuple[tuple[int, ...], ...] = ((1, 3, 5), (0, 2, 5), (1, 4, 5), (2, 5), (0, 3, 5))

SCALES = {
    "tiny": Scale("tiny", sites=2, members=300, visits=3_000),
    "small": Scale("small", sites=6, members=20_000, visits=300_000),
    "programme": Scale("programme", sites=40, members=200_000, visits=10_000_000),
    # Issue 17: a national programme. The visits aim a little above 30 million so that the
    # weekly limit and the partial first and last weeks still leave at least 30 million; the
    # stock simulation (Python, site by site) is capped at the 100 busiest sites so that the
    # generation's time is the visits'. See bench/RESULTS.md, "National scale".
    "national": Scale(
        "national", sites=1_000, members=2_000_000, visits=32_000_000, stock_sites=100
    ),
    # The national programme's last year only: the same sites, households and visits a day
    # (a third of the 32 million), so that a day's check-ins, searches, a month's and a
    # quarter's statistics and a night's rollup meet the data they would nationally, in a
    # generation of under an hour on two cores instead of over two.
    "national-year": Scale(
        "national-year",
        sites=1_000,
        members=2_000_000,
        visits=10_700_000,
        years=1,
        stock_sites=100,
    ),
}


@dataclass
class Programme:
    """What the benchmarks need to know about a generated database."""

    url: str
    scale: str
    heads: list[str]
    generated_at: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    sites: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lead_email: str = "lead@bench.example"
    admin_email: str = "admin@bench.example"

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Programme | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


def bench_config(url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-generation-key-0123456789-abcdefghijkl",
        "MEMBER_MATCH_KEY": MATCH_KEY,
    }


def make_app(url: str) -> Flask:
    from supermarket import create_app

    return create_app(bench_config(url))


def migration_heads() -> list[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return sorted(ScriptDirectory.from_config(config).get_heads())


def stamp_path(url: str) -> Path:
    """Where the description of the programme generated at `url` is kept."""
    kind = "postgres" if url.startswith("postgresql") else "sqlite"
    return WORK / f"programme-{kind}-{hashlib.sha1(url.encode()).hexdigest()[:10]}.json"


def prepare_database(url: str) -> None:
    """An empty database: a fresh SQLite file, or a PostgreSQL database (created if missing)
    with an empty public schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def existing(url: str, scale: Scale) -> Programme | None:
    """The programme already generated at this scale with the current migrations, if any."""
    found = Programme.load(stamp_path(url))
    if (
        found
        and found.url == url
        and found.scale == scale.name
        and found.heads == migration_heads()
    ):
        return found
    return None


# --- progress -----------------------------------------------------------------------------


class Progress:
    """A click progress bar per table, or silence (for the tests)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def bar(self, label: str, length: int) -> Any:
        if self.quiet:
            return _NullBar()
        return click.progressbar(
            length=length, label=f"  {label:<18}", show_pos=True, show_eta=True, width=30
        )


class _NullBar:
    def __enter__(self) -> _NullBar:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


# --- bulk writing -------------------------------------------------------------------------


def batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    total: int,
    progress: Progress,
    label: str | None = None,
    raw_sqlite: bool = False,
) -> int:
    """Insert tuples into the real table in batches; COPY on PostgreSQL, executemany on SQLite.

    Both paths check every constraint of the table; rows are committed per batch so memory
    stays flat whatever the scale.
    """
    written = 0
    with progress.bar(label or table.name, total) as bar:
        if conn.dialect.name == "postgresql":
            raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
            cols = ", ".join(columns)
            for batch in batched(rows, 50_000):
                conn.exec_driver_sql("SELECT 1")  # opens the transaction SQLAlchemy commits
                with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as cp:
                    for row in batch:
                        cp.write_row(row)
                conn.commit()
                written += len(batch)
                bar.update(len(batch))
        elif raw_sqlite:
            # Values already in SQLite's stored form (see Fmt): straight to the driver.
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
            for batch in batched(rows, 50_000):
                conn.exec_driver_sql("SELECT 1")  # opens the transaction SQLAlchemy commits
                dbapi.cursor().executemany(sql, batch)
                conn.commit()
                written += len(batch)
                bar.update(len(batch))
        else:
            stmt = table.insert()
            for batch in batched(rows, 10_000):
                conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in batch])
                conn.commit()
                written += len(batch)
                bar.update(len(batch))
    return written


class BulkWriter:
    """Rows for one table, written in batches through write_rows' raw paths."""

    def __init__(
        self, conn: Connection, table: Table, columns: Sequence[str], bar: Any, size: int = 50_000
    ) -> None:
        self.conn, self.table, self.columns, self.bar, self.size = conn, table, columns, bar, size
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)

    @property
    def full(self) -> bool:
        return len(self.rows) >= self.size

    def flush(self) -> None:
        if not self.rows:
            return
        write_rows(
            self.conn,
            self.table,
            self.columns,
            self.rows,
            total=len(self.rows),
            progress=Progress(True),
            raw_sqlite=True,
        )
        self.written += len(self.rows)
        if self.bar is not None:
            self.bar.update(len(self.rows))
        self.rows = []


class Fmt:
    """Values in the stored form of each database, for the raw bulk paths (COPY on
    PostgreSQL, executemany on SQLite), as SQLAlchemy's own types would store them."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def dt(self, value: datetime) -> str:
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return text + "+00" if self.pg else text

    def json(self, value: Any) -> str:
        return json.dumps(value)


# --- the programme --------------------------------------------------------------------------


def _weighted(pairs: Sequence[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _cum(weights: Sequence[int]) -> list[int]:
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class Generator:
    """Writes one programme at one scale; deterministic for a seed (apart from secrets)."""

    def __init__(self, app: Flask, scale: Scale, progress: Progress) -> None:
        self.app = app
        self.scale = scale
        self.progress = progress
        self.rng = random.Random(SEED)
        self.today = date.today()
        self.start = self.today - timedelta(days=365 * scale.years)
        self.sites: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        # member id -> (site_id, joined_on, household tuple, status end) for visit generation
        self.member_rows: list[tuple[int, int, date, date | None, tuple[int, int, int, int]]] = []

    # sites and staff through the services, as an administrator would create them
    def sites_and_staff(self) -> None:
        from supermarket.auth.models import Role
        from supermarket.auth.passwords import hash_password
        from supermarket.auth.services import create_user
        from supermarket.extensions import db
        from supermarket.sites.services import create_site

        rng = self.rng
        fees = (350, 350, 350, 400, 500, 300)
        towns = names.TOWNS
        for i in range(self.scale.sites):
            town, districts = towns[i % len(towns)]
            number = i // len(towns) + 1
            code = f"{town.lower().replace(' ', '-')[:14]}" + (f"-{number}" if number > 1 else "")
            settings: dict[str, Any] = {
                "fee_pence": fees[i % len(fees)],
                "visits_per_week": 2 if i % 7 == 3 else 1,
                "catchment": list(districts),
                "eligibility_routes": ["self_declared", "referral", "benefits", "postcode"],
                "allow_other_site_members": i % 5 == 0,
            }
            if i % 4 == 1:
                settings["tiers"] = [
                    {"name": "Standard", "min_people": 1, "fee_pence": settings["fee_pence"]},
                    {
                        "name": "Plus",
                        "min_people": 5,
                        "fee_pence": settings["fee_pence"] + 150,
                        "band_limits": {"red": 3, "blue": 12},
                    },
                ]
            postcode = (
                f"{districts[0]} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('PQRSTUW')}"
            )
            created = create_site(
                code=code,
                name=f"{town} Community Supermarket" + (f" {number}" if number > 1 else ""),
                postcode=postcode,
                settings=settings,
                actor=None,
            )
            self.sites.append(
                {"id": created.id, "code": created.code, "districts": list(districts), **settings}
            )
        db.session.commit()

        # One real argon2id hash through the password rules; the other accounts reuse it.
        by_code = {s.code: s for s in _all_sites()}
        first = self.sites[0]["code"]
        create_user(
            email=f"manager@{first}.bench.example",
            name="Dev Manager",
            role=Role.SITE_MANAGER,
            password=PASSWORD,
            sites=[by_code[first]],
            actor=None,
        )
        db.session.flush()
        shared_hash = hash_password(PASSWORD)
        from supermarket.auth.models import User

        for i, site in enumerate(self.sites):
            for role, who in ((Role.SITE_MANAGER, "manager"), (Role.VOLUNTEER, "volunteer")):
                email = f"{who}@{site['code']}.bench.example"
                if i == 0 and who == "manager":
                    continue
                db.session.add(
                    User(
                        email=email,
                        name=f"{who.title()} at {site['code']}",
                        role=role,
                        password_hash=shared_hash,
                        sites=[by_code[site["code"]]],
                    )
                )
            site["manager"] = f"manager@{site['code']}.bench.example"
            site["volunteer"] = f"volunteer@{site['code']}.bench.example"
        db.session.add(
            User(
                email="lead@bench.example",
                name="Priya Lead",
                role=Role.PROGRAMME_LEAD,
                password_hash=shared_hash,
            )
        )
        db.session.add(
            User(
                email="admin@bench.example",
                name="Jo Admin",
                role=Role.ADMIN,
                password_hash=shared_hash,
            )
        )
        db.session.commit()
        ids = {e: i for e, i in db.session.execute(select(User.email, User.id)).tuples()}
        for site in self.sites:
            site["manager_id"], site["volunteer_id"] = ids[site["manager"]], ids[site["volunteer"]]
        db.session.remove()  # ends its transaction: SQLite's write lock goes to the bulk path

    def _site_weights(self) -> list[float]:
        # Some sites are busy town-centre shops, others small village pantries.
        return [1.0 / (i + 2) ** 0.6 for i in range(len(self.sites))]

    def members(self, conn: Connection) -> None:
        from supermarket.members.identifiers import new_membership_number
        from supermarket.members.matching import household_match_hash
        from supermarket.members.models import Member, MemberConsent
        from supermarket.members.names import search_key
        from supermarket.members.terms import add_months, age_band

        rng = self.rng
        key = MATCH_KEY.encode()
        lasts, last_w = _weighted(names.LAST_NAMES)
        females, female_w = _weighted(names.FEMALE_FIRST)
        males, male_w = _weighted(names.MALE_FIRST)
        last_cum, female_cum, male_cum = _cum(last_w), _cum(female_w), _cum(male_w)
        keys: dict[str, str] = {}

        def folded(name: str) -> str:
            if name not in keys:
                keys[name] = search_key(name)
            return keys[name]

        site_cum = list(_cum([int(w * 1000) for w in self._site_weights()]))
        taken: set[str] = set()
        now = datetime.now(UTC)
        span = (self.today - self.start).days
        columns = [c.name for c in Member.__table__.columns if c.name != "id"]
        first_id = (conn.scalar(text("SELECT max(id) FROM members")) or 0) + 1
        consents: list[tuple[Any, ...]] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            for n in range(self.scale.members):
                site = self.sites[rng.choices(range(len(self.sites)), cum_weights=site_cum)[0]]
                last = rng.choices(lasts, cum_weights=last_cum)[0]
                female = rng.random() < 0.62
                first = (
                    rng.choices(females, cum_weights=female_cum)[0]
                    if female
                    else rng.choices(males, cum_weights=male_cum)[0]
                )
                number = new_membership_number()
                while number in taken:
                    number = new_membership_number()
                taken.add(number)
                # More members joined recently: the programme grew.
                joined = self.start + timedelta(days=int(span * rng.random() ** 0.7))
                age = min(90, max(17, int(rng.gauss(42, 14))))
                born = joined - timedelta(days=age * 365 + rng.randint(0, 364))
                district = rng.choice(site["districts"])
                postcode = (
                    f"{district} {rng.randint(1, 9)}"
                    f"{rng.choice(names.INWARD_LETTERS)}{rng.choice(names.INWARD_LETTERS)}"
                )
                adults = rng.choices((1, 2, 3, 4), weights=(45, 38, 12, 5))[0]
                kids = [0, 0, 0]
                if rng.random() < 0.55:
                    for _ in range(rng.choices((1, 2, 3, 4), weights=(40, 35, 17, 8))[0]):
                        kids[rng.choices((0, 1, 2), weights=(25, 45, 30))[0]] += 1
                route = rng.choices(
                    ("self_declared", "referral", "benefits", "postcode"), weights=(55, 20, 20, 5)
                )[0]
                roll = rng.random()
                expires: date | None
                closed: date | None = None
                if roll < 0.80:
                    status = "active"
                    expires = self.today + timedelta(days=rng.randint(7, 180))
                elif roll < 0.88:
                    status, expires = "lapsed", self.today - timedelta(days=rng.randint(1, 300))
                elif roll < 0.94:
                    status, expires = "closed", None
                    closed = joined + timedelta(days=rng.randint(30, 400))
                    closed = min(closed, self.today - timedelta(days=1))
                elif roll < 0.98:
                    status = "suspended"
                    expires = self.today + timedelta(days=rng.randint(7, 180))
                else:
                    status, expires = "waiting", None
                if expires is not None and expires < joined:
                    expires = add_months(joined, 6)
                last_key, first_key = folded(last), folded(first)
                created = datetime.combine(joined, datetime.min.time(), UTC) + timedelta(
                    hours=rng.randint(9, 16), minutes=rng.randint(0, 59)
                )
                member_id = first_id + n
                end = {"closed": closed, "lapsed": expires, "waiting": None}.get(status, self.today)
                self.member_rows.append(
                    (member_id, site["id"], joined, end, (adults, kids[0], kids[1], kids[2]))
                )
                values = {
                    "site_id": site["id"],
                    "membership_number": number,
                    "first_name": first,
                    "last_name": last,
                    "first_name_key": first_key,
                    "last_name_key": last_key,
                    "date_of_birth": born,
                    "age_band": age_band(born, joined),
                    "postcode": postcode,
                    "postcode_district": district,
                    "phone": f"07{rng.randint(100_000_000, 999_999_999)}"
                    if rng.random() < 0.8
                    else None,
                    "email": f"{first_key[:1]}.{last_key.replace(' ', '')}{n}@example.org"
                    if rng.random() < 0.4
                    else None,
                    "adults": adults,
                    "children_0_4": kids[0],
                    "children_5_11": kids[1],
                    "children_12_17": kids[2],
                    "eligibility_route": route,
                    "referral_agency": rng.choice(names.AGENCIES) if route == "referral" else "",
                    "referral_reference": f"R{rng.randint(10000, 99999)}"
                    if route == "referral"
                    else "",
                    "benefit": rng.choice(names.BENEFITS) if route == "benefits" else "",
                    "pregnancy_recorded": False,
                    "pregnancy_due_on": None,
                    "pregnancy_consent_at": None,
                    "care_of": "",
                    "door_note": "",
                    "door_note_sensitive": False,
                    "door_note_consent_at": None,
                    "dietary": rng.sample(("vegetarian", "halal", "gluten_free", "diabetic"), 1)
                    if rng.random() < 0.2
                    else [],
                    "dietary_notes": "",
                    "notes": "",
                    "status": status,
                    "status_reason": "Moved away" if status == "closed" else "",
                    "joined_on": joined,
                    "expires_on": expires,
                    "review_due_on": (self.today + timedelta(days=rng.randint(0, 90)))
                    if status == "active"
                    else None,
                    "closed_on": closed,
                    "match_hash": household_match_hash(last_key, born, postcode, key),
                    "anonymised_at": None,
                    "registered_by_id": None,
                    "updated_at": min(now, created + timedelta(days=rng.randint(0, 90))),
                    "created_at": created,
                }
                consents.append((member_id, site["id"], "privacy_notice", created))
                if rng.random() < 0.55:
                    consents.append((member_id, site["id"], "survey", created))
                if rng.random() < 0.4:
                    consents.append((member_id, site["id"], "contact", created))
                if conn.dialect.name == "postgresql":
                    values["dietary"] = json.dumps(values["dietary"])
                yield tuple(values[c] for c in columns)

        self.counts["members"] = write_rows(
            conn,
            cast(Table, Member.__table__),
            columns,
            rows(),
            total=self.scale.members,
            progress=self.progress,
        )
        consent_cols = [
            "member_id",
            "site_id",
            "kind",
            "given_at",
            "given_method",
            "withdrawn_method",
        ]
        self.counts["member_consents"] = write_rows(
            conn,
            cast(Table, MemberConsent.__table__),
            consent_cols,
            ((m, s, k, at, "in_person", "") for m, s, k, at in consents),
            total=len(consents),
            progress=self.progress,
        )

    def analyse(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.commit()
            raw = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
            previous = raw.autocommit
            raw.autocommit = True
            with raw.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
            raw.autocommit = previous
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


def _all_sites() -> list[Any]:
    from supermarket.extensions import db
    from supermarket.sites.models import Site

    return list(db.session.scalars(select(Site)))


def reflect_table(conn: Connection, name: str) -> Table:
    """A table as the migrations made it (the generators write the real schema)."""
    return Table(name, MetaData(), autoload_with=conn)


def insert_columns(table: Table, skip: Sequence[str] = ("id",)) -> list[str]:
    """The columns a generator writes: all but `skip` (by default the id the database gives)."""
    return [c.name for c in table.columns if c.name not in skip]


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
