"""Support beyond food in the reports: the figures of a seeded month worked out by hand, the
disclosure rule on them (small cells and secondary suppression), and the section in the JSON
feed, the CSV files, the PDF and the pages, with no personal data for a lead.

The month is September 2026 of tests/reporting/conftest.py's seeded programme (Harlow 90
members, Basildon 140, Canvey 6). Referrals added here, all made in September to members
who visited their site in it unless said:

  Harlow   benefits advice: 11 signposts and 14 referrals, 25 members (one each); of the
           referrals 6 engaged, 5 resolved, 3 made -> engaged 11, resolved 5
           debt advice: 3 referrals (1 engaged), to 3 of those 25 members
           energy: 12 signposts, to 12 other members
           and one benefits referral in August and one in October (outside the month)
  Basildon housing: 2 signposts (2 members)
  -> Programme: signposts 25 (11 + 12 + 2), referrals 17, all 42; engaged 12, resolved 5;
     households signposted or referred 39 (37 at Harlow, 2 at Basildon).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from supermarket.extensions import db
from supermarket.reporting.periods import parse_period
from supermarket.reporting.release import release_statistics
from supermarket.reporting.release.pattern import linked_pattern
from supermarket.reporting.release.support import _lines, support_pattern
from supermarket.reporting.rollups import refresh_rollups
from supermarket.reporting.schemas import StatsOut
from supermarket.reporting.statistics import period_statistics
from supermarket.reporting.statistics.support import support_statistics
from supermarket.support.models import Referral, SupportService
from supermarket.surveys.models import SurveyAssessment
from supermarket.visits.models import Visit
from tests.reporting.conftest import PII_STRINGS

SEPTEMBER = parse_period("2026-09")
TODAY = date(2026, 11, 20)  # any day after September; the periods used are long over


def _service(category: str) -> SupportService:
    found = db.session.scalar(select(SupportService).where(SupportService.category == category))
    if found is None:
        found = SupportService(name=f"Service {category}", category=category, all_sites=True)
        db.session.add(found)
        db.session.flush()
    return found


def _refer(member_id, site, day, category, kind="referral", status="made", note=""):
    db.session.add(
        Referral(
            site_id=site.id,
            member_id=member_id,
            service_id=_service(category).id,
            kind=kind,
            consent_given=kind == "referral",
            status=status,
            made_on=day,
            status_on=day,
            note=note,
        )
    )


def _september_visitors(site) -> list[int]:
    return list(
        db.session.scalars(
            select(Visit.member_id)
            .where(
                Visit.site_id == site.id, Visit.local_date.between(SEPTEMBER.start, SEPTEMBER.end)
            )
            .distinct()
            .order_by(Visit.member_id)
        )
    )


@pytest.fixture
def supported(seed_programme):
    """The seeded programme with the referrals of the module's docstring."""
    seeded = seed_programme()
    harlow, basildon = seeded["sites"]["harlow"], seeded["sites"]["basildon"]
    visitors = _september_visitors(harlow)
    assert len(visitors) >= 40
    day = date(2026, 9, 15)
    statuses = ["engaged"] * 6 + ["resolved"] * 5 + ["made"] * 3
    for n, member_id in enumerate(visitors[:25]):
        if n < 11:
            _refer(member_id, harlow, day, "benefits_advice", kind="signpost", note="QXNOTE")
        else:
            _refer(member_id, harlow, day, "benefits_advice", status=statuses[n - 11])
    for n, member_id in enumerate(visitors[:3]):
        _refer(member_id, harlow, day, "debt_advice", status="engaged" if n == 0 else "made")
    for member_id in visitors[25:37]:
        _refer(member_id, harlow, day, "energy", kind="signpost")
    _refer(visitors[0], harlow, date(2026, 8, 31), "benefits_advice")
    _refer(visitors[0], harlow, date(2026, 10, 1), "benefits_advice")
    for member_id in _september_visitors(basildon)[:2]:
        _refer(member_id, basildon, day, "housing", kind="signpost")
    db.session.commit()
    refresh_rollups()
    return seeded


def test_the_raw_figures_of_the_month(supported):
    sites = supported["sites"]
    ids = [site.id for site in sites.values()]
    stats = support_statistics(ids, SEPTEMBER, TODAY)
    programme, harlow = stats.by_scope[None], stats.by_scope[sites["harlow"].id]
    assert harlow.made["benefits_advice"] == {"signpost": 11, "referral": 14}
    assert harlow.made["debt_advice"] == {"signpost": 0, "referral": 3}
    assert harlow.made["energy"] == {"signpost": 12, "referral": 0}
    assert harlow.engaged["benefits_advice"] == 11
    assert harlow.resolved["benefits_advice"] == 5
    assert harlow.engaged["debt_advice"] == 1
    assert harlow.households_supported == 37
    assert stats.by_scope[sites["basildon"].id].made["housing"] == {"signpost": 2, "referral": 0}
    assert stats.by_scope[sites["canvey"].id].households_supported == 0
    assert sum(sum(k.values()) for k in programme.made.values()) == 42
    assert sum(k["signpost"] for k in programme.made.values()) == 25
    assert sum(programme.engaged.values()) == 12
    assert sum(programme.resolved.values()) == 5
    assert programme.households_supported == 39


def test_the_advice_groups_split_the_outcome_cohort_exactly(supported):
    """Engaged with advice + the rest = the paired outcome's members, at every scope."""
    sites = supported["sites"]
    harlow = sites["harlow"]
    # Every Harlow member of the cohort (first survey in June) engaged with benefits advice
    # before their follow-up; one more engaged only after it (counts with the rest).
    cohort = db.session.execute(
        select(SurveyAssessment.member_id, SurveyAssessment.local_date).where(
            SurveyAssessment.site_id == harlow.id,
            SurveyAssessment.timepoint == 3,
            SurveyAssessment.local_date.between(date(2026, 9, 1), date(2026, 9, 30)),
        )
    ).all()
    assert len(cohort) >= 3
    for member_id, follow_up_day in cohort[1:]:
        _refer(
            member_id, harlow, follow_up_day - timedelta(days=20), "debt_advice", status="resolved"
        )
    member_id, follow_up_day = cohort[0]
    _refer(member_id, harlow, follow_up_day + timedelta(days=1), "debt_advice", status="engaged")
    db.session.commit()
    ids = [site.id for site in sites.values()]
    stats = period_statistics(SEPTEMBER, today=TODAY)
    support = support_statistics(ids, SEPTEMBER, TODAY)
    for scope, figures in support.by_scope.items():
        main = stats.programme if scope is None else stats.by_site[scope]
        groups = figures.advice_pairs
        assert sum(groups["engaged"].values()) + sum(groups["other"].values()) == (
            main.outcome.n_pairs
        )
    assert sum(support.by_scope[harlow.id].advice_pairs["engaged"].values()) == len(cohort) - 1
    # The report passes the outcome's pairs it has already counted: the same groups.
    pairs = {site_id: figures.pair_counts for site_id, figures in stats.by_site.items()}
    given = support_statistics(ids, SEPTEMBER, TODAY, pairs=pairs)
    assert {k: f.advice_pairs for k, f in given.by_scope.items()} == {
        k: f.advice_pairs for k, f in support.by_scope.items()
    }


def test_only_engaged_advice_referrals_by_the_follow_up_put_a_member_in_the_engaged_group(
    supported,
):
    """Signposts, referrals not (yet) engaged, other categories and follow-ups that are not
    complete leave the member with the rest of the cohort."""
    harlow = supported["sites"]["harlow"]
    ids = [site.id for site in supported["sites"].values()]
    referred = set(db.session.scalars(select(Referral.member_id)))
    follow_ups = [
        f
        for f in db.session.scalars(
            select(SurveyAssessment)
            .where(
                SurveyAssessment.site_id == harlow.id,
                SurveyAssessment.timepoint == 3,
                SurveyAssessment.local_date.between(date(2026, 9, 1), date(2026, 9, 30)),
                SurveyAssessment.complete,
            )
            .order_by(SurveyAssessment.member_id)
        )
        if f.member_id not in referred
    ]
    assert len(follow_ups) >= 5
    engaged_before = sum(
        support_statistics(ids, SEPTEMBER, TODAY)
        .by_scope[harlow.id]
        .advice_pairs["engaged"]
        .values()
    )

    def refer(n: int, category: str, **kwargs) -> None:
        day = follow_ups[n].local_date - timedelta(days=10)
        _refer(follow_ups[n].member_id, harlow, day, category, **kwargs)

    refer(0, "debt_advice", kind="signpost")
    refer(1, "benefits_advice", status="made")
    refer(2, "energy", status="engaged")
    refer(3, "debt_advice", status="engaged")
    refer(4, "debt_advice", status="engaged")
    follow_ups[4].complete = False
    db.session.commit()
    refresh_rollups()
    stats = period_statistics(SEPTEMBER, today=TODAY)
    groups = support_statistics(ids, SEPTEMBER, TODAY).by_scope[harlow.id].advice_pairs
    # Of the five, only the fourth (complete, engaged with debt advice) joins the engaged group.
    assert sum(groups["engaged"].values()) == engaged_before + 1
    assert sum(groups["engaged"].values()) + sum(groups["other"].values()) == (
        stats.by_site[harlow.id].outcome.n_pairs
    )


def test_small_cells_and_secondary_suppression(supported):
    sites = supported["sites"]
    stats = period_statistics(SEPTEMBER, today=TODAY)
    support = support_statistics([s.id for s in stats.sites], SEPTEMBER, TODAY)
    report = release_statistics(stats, site=None, support=support)
    section = report.support
    rows = {row["category"]: row for row in section["categories"]}
    # Benefits advice: shown, rounded to 5; the share engaged needs 20 referrals (14).
    assert rows["benefits_advice"]["signposts"] == 10  # 11
    assert rows["benefits_advice"]["referrals"] == 15  # 14
    assert rows["benefits_advice"]["total"] == 25
    assert rows["benefits_advice"]["engaged"] == 10  # 11
    assert rows["benefits_advice"]["resolved"] == "<10"  # 5
    assert rows["benefits_advice"]["pct_engaged"] is None
    assert "support.cat.benefits_advice.pct_engaged" in report.withheld
    # Debt advice: all below 10.
    assert {rows["debt_advice"][k] for k in ("signposts", "referrals", "total")} == {"<10"}
    # Energy: 12 signposts and no referrals, 12 in all. The 0 referrals are suppressed, so the
    # 12 signposts are withheld too (else 12 - 12 would give the 0 back): secondary.
    assert rows["energy"]["total"] == 10
    assert rows["energy"]["signposts"] == "<10"
    pattern = support_pattern(
        support,
        linked_pattern({**stats.by_site, None: stats.programme}, [s.id for s in stats.sites]),
        [s.id for s in stats.sites],
    )
    assert ("cat.energy.signpost", None) in pattern.secondary
    # No line of the pattern has exactly one hidden entry (none can be subtracted back).
    hidden = pattern.primary | pattern.secondary
    scopes = [None, *(s.id for s in stats.sites)]
    lines = [
        ([(p, scope) for p in parts], (total, scope))
        for scope in scopes
        for parts, total in _lines()
    ]
    names = {name for name, scope in pattern.values if scope is None}
    lines += [([(name, s.id) for s in stats.sites], (name, None)) for name in names]
    for parts, total in lines:
        assert sum(key in hidden for key in (*parts, total)) != 1, (parts, total)
    totals = section["totals"]
    assert totals["signposts"] == 25
    assert totals["referrals"] == 15
    assert totals["total"] == 40
    assert totals["engaged"] == 10
    assert totals["resolved"] == "<10"
    households = section["households"]
    assert households["supported"] == 40  # 39
    assert households["pct_supported"] == round(100 * 39 / stats.programme.households, 1)
    # Canvey's site report: everything below 10, no percentage.
    canvey = release_statistics(stats, site=stats.site("canvey"), support=support).support
    assert canvey["households"]["supported"] == "<10"
    assert canvey["households"]["pct_supported"] is None
    assert sites  # the fixture's sites are the report's


def test_a_site_figure_cannot_be_worked_out_from_the_programme(supported):
    """Basildon's 2 housing signposts are the programme's only ones: both read "<10", and
    so does every other count in that line (no site or programme total gives them away)."""
    stats = period_statistics(SEPTEMBER, today=TODAY)
    ids = [s.id for s in stats.sites]
    support = support_statistics(ids, SEPTEMBER, TODAY)
    for ref in (None, *stats.sites):
        section = release_statistics(stats, site=ref, support=support).support
        housing = next(r for r in section["categories"] if r["category"] == "housing")
        assert housing["signposts"] == "<10"
        assert housing["total"] == "<10"
    # Harlow's energy signposts (12) are withheld at Harlow too: 12 at Harlow and 12 in the
    # programme with Basildon's and Canvey's 0 hidden would otherwise tell them apart.
    harlow = release_statistics(stats, site=stats.site("harlow"), support=support).support
    energy = next(r for r in harlow["categories"] if r["category"] == "energy")
    assert energy["signposts"] == "<10"


def test_the_survey_answers_are_counted_and_suppressed(supported):
    answers = ["yes_a_lot"] * 10 + ["no"] * 3
    ids = list(
        db.session.scalars(
            select(SurveyAssessment.id)
            .where(
                SurveyAssessment.timepoint == 3,
                SurveyAssessment.local_date.between(SEPTEMBER.start, SEPTEMBER.end),
            )
            .order_by(SurveyAssessment.id)
        )
    )
    assert len(ids) >= len(answers)
    for survey_id, answer in zip(ids, answers, strict=False):
        db.session.execute(
            update(SurveyAssessment)
            .where(SurveyAssessment.id == survey_id)
            .values(support_answer=answer)
        )
    db.session.commit()
    stats = period_statistics(SEPTEMBER, today=TODAY)
    support = support_statistics([s.id for s in stats.sites], SEPTEMBER, TODAY)
    assert support.by_scope[None].answers["yes_a_lot"] == 10
    released = release_statistics(stats, site=None, support=support).support["survey_answers"]
    counts = {a["answer"]: a["count"] for a in released["answers"]}
    assert counts == {
        "yes_a_lot": 10,
        "yes_a_little": "<10",
        "no": "<10",
        "not_used": "<10",
        "prefer_not_to_say": "<10",
    }
    assert released["total"] == 15  # 13


# --- through the routes ----------------------------------------------------------------------


@pytest.fixture
def lead(make_user):
    return make_user("programme_lead")


def test_the_json_feed_carries_the_section_under_support(supported, client, lead, token_for):
    response = client.get("/api/v1/stats?period=2026-09", headers=token_for(lead))
    assert response.status_code == 200
    body = response.json
    support = body["support"]
    assert StatsOut().validate(body) == {}
    assert {row["key"] for row in support["summary"]} >= {
        "signposts",
        "referrals",
        "pct_households_supported",
        "referrals_engaged",
    }
    assert support["totals"]["total"] == 40
    assert "not a controlled comparison" in support["advice_comparison"]["caveat"]
    assert [c["category"] for c in support["categories"]][:2] == ["benefits_advice", "debt_advice"]
    site = client.get("/api/v1/stats?period=2026-09&site=basildon", headers=token_for(lead))
    assert site.json["support"]["households"]["supported"] == "<10"


def _csv(client, lead, token_for, name, site=""):
    response = client.get(
        f"/api/v1/stats/tables/{name}.csv?period=2026-09{site}", headers=token_for(lead)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_csv_files_of_the_section(supported, client, lead, token_for):
    rows = _csv(client, lead, token_for, "support_categories")
    assert rows[0] == ["Signposts, referrals and outcomes by kind of support"]
    assert any(r[:1] == ["Disclosure rule"] for r in rows)
    benefits = next(r for r in rows if r and r[0] == "Benefits advice")
    assert benefits[1:6] == ["10", "15", "25", "10", "<10"]
    summary = {r[0]: r[1] for r in _csv(client, lead, token_for, "support") if len(r) > 1}
    assert summary["Signposts"] == "25"
    assert summary["Referrals"] == "15"
    advice = _csv(client, lead, token_for, "support_advice")
    assert any("not a controlled comparison" in " ".join(r) for r in advice)
    answers = _csv(client, lead, token_for, "support_answers", "&site=harlow")
    assert any(r and r[0] == "All answers" for r in answers)


def test_the_pdf_packs_contain_the_section(supported, client, lead, token_for, make_user):
    response = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=token_for(lead))
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Support beyond food" in text
    assert "Signposts, referrals and outcomes by kind of support" in text
    assert "Not a controlled comparison" in text
    manager = make_user("site_manager", sites=[supported["sites"]["harlow"]])
    monthly = client.get(
        "/api/v1/sites/harlow/reports/monthly.pdf?period=2026-09", headers=token_for(manager)
    )
    assert monthly.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(monthly.data)).pages)
    assert "Support beyond food" in text


def test_the_pages_show_the_section_and_the_methods_explain_it(supported, client, lead, login):
    login(lead)
    page = client.get("/reporting/programme?period=2026-09").get_data(as_text=True)
    assert 'id="h-support"' in page
    assert "Support beyond food" in page
    assert "This is not a controlled comparison" in page
    assert "Share of households signposted or referred" in page
    methods = client.get("/reporting/methods").get_data(as_text=True)
    assert "Support beyond food" in methods
    assert "counts as engaged" in methods


def test_a_site_managers_page_shows_their_sites_section(supported, client, login, make_user):
    manager = make_user("site_manager", sites=[supported["sites"]["harlow"]])
    login(manager)
    site_page = client.get("/reporting/site?period=2026-09")
    assert site_page.status_code == 200
    assert 'id="h-support"' in site_page.get_data(as_text=True)


def test_a_leads_view_of_the_section_carries_no_personal_data(
    supported, client, lead, token_for, login
):
    numbers = [m.membership_number for m in supported["members"]]
    headers = token_for(lead)
    bodies = [
        client.get("/api/v1/stats?period=2026-09", headers=headers).get_data(as_text=True),
        client.get("/api/v1/stats?period=2026-09&site=harlow", headers=headers).get_data(
            as_text=True
        ),
    ]
    for name in (
        "support",
        "support_categories",
        "support_inbound",
        "support_answers",
        "support_advice",
    ):
        bodies.append(
            client.get(
                f"/api/v1/stats/tables/{name}.csv?period=2026-09", headers=headers
            ).data.decode("utf-8-sig")
        )
    pdf = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    bodies.append("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    login(lead)
    bodies.append(client.get("/reporting/programme?period=2026-09").get_data(as_text=True))
    for body in bodies:
        for secret in (*PII_STRINGS, *numbers[:50]):
            assert secret not in body


def test_the_section_reads_the_same_few_statements_whatever_the_number_of_sites(
    supported, client, lead, token_for, make_site
):
    """Grouped, period-bounded reads: no statement per site (and all through the session, so
    a reporting request sends them to the replica like the other figures)."""
    from sqlalchemy import event

    headers = token_for(lead)

    def support_reads() -> int:
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/api/v1/stats?period=2026-09", headers=headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return sum(1 for s in seen if "referrals" in s or "support_answer" in s)

    before = support_reads()
    for n in range(5):
        make_site(code=f"extra{n}", name=f"Extra {n}")
    db.session.commit()
    assert support_reads() == before <= 6  # referrals x2, answers, advice, inbound x2


def _prompt(member_id, site, day, kind, outcome=None):
    from supermarket.support.models import SupportPrompt

    db.session.add(
        SupportPrompt(
            site_id=site.id,
            member_id=member_id,
            kind=kind,
            first_shown_on=day,
            outcome=outcome,
            reason="not_now" if outcome == "dismissed" else None,
            outcome_on=day if outcome else None,
        )
    )


def test_prompts_at_check_in_and_their_take_up(supported, client, lead, token_for, login):
    """Harlow, September: 30 members prompted about Healthy Start (one of them twice: a
    prompt dismissed 'not now' that came back and was then acted on), 18 acted on; 3 about
    advice, none acted on (too few to show); one August prompt outside the month. Released:
    counts rounded to 5, those under 10 shown as "<10", the share from the exact counts."""
    harlow = supported["sites"]["harlow"]
    visitors = _september_visitors(harlow)
    day = date(2026, 9, 10)
    for n, member_id in enumerate(visitors[:30]):
        _prompt(member_id, harlow, day, "healthy_start", "acted" if n < 17 else None)
    _prompt(visitors[29], harlow, date(2026, 9, 2), "healthy_start", "dismissed")
    _prompt(visitors[29], harlow, day, "healthy_start", "acted")  # the same member again
    for member_id in visitors[30:33]:
        _prompt(member_id, harlow, day, "advice", "dismissed")
    _prompt(visitors[35], harlow, date(2026, 8, 28), "healthy_start", "acted")
    db.session.commit()

    ids = [site.id for site in supported["sites"].values()]
    stats = support_statistics(ids, SEPTEMBER, TODAY)
    here, programme = stats.by_scope[harlow.id], stats.by_scope[None]
    assert (here.prompted, here.prompts_acted) == (
        {"healthy_start": 30, "advice": 3},
        {"healthy_start": 18, "advice": 0},
    )
    assert (programme.prompted, programme.prompts_acted) == (here.prompted, here.prompts_acted)

    body = client.get("/api/v1/stats?period=2026-09", headers=token_for(lead)).get_json()
    assert StatsOut().validate(body) == {}
    prompts = body["support"]["prompts"]
    assert prompts["healthy_start"] == {"prompted": 30, "acted_on": 20, "pct_acted_on": 60.0}
    assert prompts["advice"]["prompted"] == "<10"
    assert prompts["advice"]["pct_acted_on"] is None
    rows = {row["key"]: row["value"] for row in body["support"]["summary"]}
    assert rows["healthy_start_prompted"] == 30
    assert rows["pct_healthy_start_prompts_acted_on"] == 60.0
    login(lead)
    page = client.get("/reporting/programme?period=2026-09").get_data(as_text=True)
    assert "Households prompted about Healthy Start at check-in" in page


def test_inbound_referrals_by_agency_kind_and_the_days_to_a_first_visit(
    supported, client, lead, token_for
):
    """Harlow, September: Citizens Advice referred 22 households, all accepted as members who
    visited in September; the early-help team 12 (5 accepted, 3 declined, 4 waiting); a school
    one received at 00:30 on 1 September, London time (still August in UTC), which counts in
    September, and one at 00:30 on 1 October (still September in UTC), which does not."""
    from datetime import UTC, datetime

    from supermarket.support.agency_models import InboundReferral, ReferralAgency

    harlow = supported["sites"]["harlow"]
    visitors = _september_visitors(harlow)
    agencies = {}
    for kind in ("citizens_advice", "council_early_help", "school"):
        agencies[kind] = ReferralAgency(name=f"Agency {kind}", kind=kind)
        db.session.add(agencies[kind])
    db.session.flush()
    received = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)

    def refer(kind, at, status="pending", member_id=None):
        db.session.add(
            InboundReferral(
                agency_id=agencies[kind].id,
                site_id=harlow.id,
                first_name="Referred",
                last_name="Household",
                postcode="CM20 1AA",
                consent_given=True,
                status=status,
                member_id=member_id,
                created_at=at,
                decline_reason="Outside our area" if status == "declined" else "",
            )
        )

    for member_id in visitors[:22]:
        refer("citizens_advice", received, "accepted", member_id)
    for n in range(12):
        status = "accepted" if n < 5 else "declined" if n < 8 else "pending"
        refer("council_early_help", received, status, visitors[30 + n] if n < 5 else None)
    refer("school", datetime(2026, 8, 31, 23, 30, tzinfo=UTC))
    refer("school", datetime(2026, 9, 30, 23, 30, tzinfo=UTC))
    db.session.commit()

    ids = [site.id for site in supported["sites"].values()]
    here = support_statistics(ids, SEPTEMBER, TODAY).by_scope[harlow.id]
    assert here.inbound["citizens_advice"] == 22
    assert here.inbound["council_early_help"] == 12
    assert here.inbound["school"] == 1
    assert here.inbound_accepted["citizens_advice"] == 22
    assert here.inbound_accepted["council_early_help"] == 5
    # Every accepted household visited in September: the days from 1 September to the first.
    first = {
        member_id: day
        for member_id, day in db.session.execute(
            select(Visit.member_id, func.min(Visit.local_date))
            .where(
                Visit.site_id == harlow.id,
                Visit.local_date >= date(2026, 9, 1),
                Visit.voided_at.is_(None),
            )
            .group_by(Visit.member_id)
        )
    }
    accepted = [*visitors[:22], *visitors[30:35]]
    expected = sorted((first[m] - date(2026, 9, 1)).days for m in accepted)
    assert sorted(here.days_to_first_visit) == expected

    body = client.get("/api/v1/stats?period=2026-09", headers=token_for(lead)).get_json()
    assert StatsOut().validate(body) == {}
    inbound = body["support"]["inbound"]
    kinds = {row["kind"]: row for row in inbound["by_agency_kind"]}
    assert (kinds["citizens_advice"]["received"], kinds["citizens_advice"]["accepted"]) == (
        20,
        20,
    )
    assert kinds["school"]["received"] == "<10"
    assert inbound["received"] == 35
    assert inbound["first_visits"] == 25  # 27, rounded to 5
    middle = expected[len(expected) // 2]
    assert inbound["median_days_to_first_visit"] == middle
    site = client.get("/api/v1/stats?period=2026-09&site=basildon", headers=token_for(lead))
    assert site.get_json()["support"]["inbound"]["median_days_to_first_visit"] is None
    rows = _csv(client, lead, token_for, "support_inbound")
    assert ["All agencies", "35", "25"] in [r[:3] for r in rows]
