"""Demo data for equality monitoring: realistic answers for the demo's households, so that the
reports' "Who is reached" section has figures (most answered, some "prefer not to say", some
never asked), and a site manager's member pages show them."""

from __future__ import annotations

import random
from typing import Any, Final

from sqlalchemy import insert, select

from supermarket.extensions import db
from supermarket.members.models import Member
from supermarket.members.monitoring import PREFER_NOT, QUESTIONS, MemberMonitoring

# Rough weights for an Essex town's community supermarket (ours, for the demo only).
WEIGHTS: Final[dict[str, dict[str, int]]] = {
    "gender": {"woman": 58, "man": 36, "non_binary": 1, "another": 1, PREFER_NOT: 4},
    "ethnic_group": {
        "white_british": 62,
        "white_irish": 1,
        "white_gypsy_traveller": 1,
        "white_roma": 1,
        "white_other": 6,
        "asian_indian": 3,
        "asian_pakistani": 2,
        "asian_bangladeshi": 2,
        "asian_chinese": 1,
        "asian_other": 1,
        "black_african": 5,
        "black_caribbean": 2,
        "black_other": 1,
        "mixed_white_asian": 1,
        "mixed_white_black_african": 1,
        "mixed_white_black_caribbean": 1,
        "mixed_other": 1,
        "other_arab": 1,
        "other_any": 1,
        PREFER_NOT: 4,
    },
    "disability": {"yes": 38, "no": 55, PREFER_NOT: 7},
    "employment": {
        "employed_full_time": 12,
        "employed_part_time": 20,
        "self_employed": 5,
        "unemployed": 18,
        "long_term_sick": 14,
        "looking_after_home": 12,
        "retired": 12,
        "student": 3,
        "other": 2,
        PREFER_NOT: 2,
    },
    "carer": {"yes": 18, "no": 76, PREFER_NOT: 6},
    "veteran": {"yes": 4, "no": 92, PREFER_NOT: 4},
}
# Households never asked any question, and a question left unasked otherwise (in 100).
NEVER_ASKED: Final = 12
LEFT_UNASKED: Final = 4


def _answers(rng: random.Random) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for key in QUESTIONS:
        weights = WEIGHTS[key]
        if rng.randrange(100) < LEFT_UNASKED:
            answers[key] = None
        else:
            answers[key] = rng.choices(list(weights), weights=list(weights.values()))[0]
    return answers


def seed(ctx: Any) -> None:
    """Answers for every demo household still on record (run after the other seeders)."""
    rng = random.Random(2021)  # noqa: S311 (repeatable demo data: the census year)
    done = set(db.session.scalars(select(MemberMonitoring.member_id)))
    rows = []
    for member_id, site_id in db.session.execute(
        select(Member.id, Member.site_id).where(Member.anonymised_at.is_(None)).order_by(Member.id)
    ):
        if member_id in done or rng.randrange(100) < NEVER_ASKED:
            continue
        rows.append({"member_id": member_id, "site_id": site_id, **_answers(rng)})
    if rows:
        db.session.execute(insert(MemberMonitoring), rows)
