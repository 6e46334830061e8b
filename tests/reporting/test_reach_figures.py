"""Who is reached in the reports: households by each equality monitoring question, postcode
district and route, worked out by hand for a seeded month, with the disclosure rule on them
(small cells and secondary suppression), the section in the feed, the CSV files, the PDFs and
the pages, and no personal data for a programme lead.

September 2026, two sites:

  Alpha  30 households visited (one of them twice): ethnic group 12 White British and 3 Irish
         (White 15), 6 Indian and 5 Pakistani (Asian 11), 2 African (Black 2), 1 prefer not
         to say, 1 not asked; gender 16 women, 12 men, 2 not asked; districts CM20 20, CM19 10;
         routes self-declared 20, referral 10. Not counted: a household whose only September
         visit was voided (Arab), and one that visited in August only.
  Beta   12 households: White British, gender "prefer not to say", district SS14, benefits.

  Programme: 42 households -> 40. Ethnic group White 27 -> 25, Asian 11 -> 10, Black 2,
  prefer not 1, not asked 1, Mixed 0, Other 0 -> "<10". Districts CM20 20, CM19 10, SS14 12
  -> 20, 10, 10. Routes self-declared 20, referral 10 -> withheld (the postcode route's 0
  is the only other hidden count of its line), benefits 12 -> 10. At Alpha: Asian 11 is
  withheld ("<10"), since Alpha's 11 and the programme's 11 would give Beta's 0 back; likewise
  every district (each is one site's alone).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from supermarket.extensions import db
from supermarket.members.monitoring import MemberMonitoring
from supermarket.reporting.periods import parse_period
from supermarket.reporting.release import release_statistics
from supermarket.reporting.release.pattern import linked_pattern
from supermarket.reporting.release.reach import reach_pattern
from supermarket.reporting.rollups import refresh_rollups
from supermarket.reporting.schemas import StatsOut
from supermarket.reporting.statistics import period_statistics
from supermarket.reporting.statistics.reach import BREAKDOWNS, reach_statistics

SEPTEMBER = parse_period("2026-09")
TODAY = date(2026, 11, 20)  # after September; the periods used are long over
DAY = date(2026, 9, 14)
SECRET_POSTCODE = "4XQ"  # the inward part of every member's postcode: never in a report


def _alpha(index: int) -> dict[str, str | None]:
    ethnic = (
        ["white_british"] * 12
        + ["white_irish"] * 3
        + ["asian_indian"] * 6
        + ["asian_pakistani"] * 5
        + ["black_african"] * 2
        + ["prefer_not_to_say", None]
    )
    gender = ["woman"] * 16 + ["man"] * 12 + [None, None]
    disability = ["yes"] * 10 + ["no"] * 15 + ["prefer_not_to_say"] * 3 + [None, None]
    return {
        "ethnic_group": ethnic[index],
        "gender": gender[index],
        "disability": disability[index],
        "employment": "employed_part_time" if index < 15 else None,
    }


@pytest.fixture
def reached(make_site, insert_member, insert_visit):
    alpha = make_site(code="alpha", name="Alpha Community Supermarket")
    beta = make_site(code="beta", name="Beta Community Supermarket")
    members = []

    def member(site, district, route, answers):
        made = insert_member(
            site,
            postcode=f"{district} {SECRET_POSTCODE}",
            postcode_district=district,
            first_name="Zebedee",
            last_name=f"Quxworthy{len(members)}",
        )
        made.eligibility_route = route
        if any(value is not None for value in answers.values()):
            db.session.add(MemberMonitoring(member_id=made.id, site_id=site.id, **answers))
        members.append(made)
        return made

    for index in range(30):
        district = "CM20" if index < 20 else "CM19"
        route = "self_declared" if index < 20 else "referral"
        made = member(alpha, district, route, _alpha(index))
        insert_visit(made, DAY)
        if index == 0:
            insert_visit(made, DAY + timedelta(days=7))  # twice in the month: counted once
    voided = member(alpha, "CM20", "self_declared", {"ethnic_group": "other_arab"})
    insert_visit(voided, DAY, voided=True)
    august = member(alpha, "CM20", "self_declared", {"ethnic_group": "mixed_other"})
    insert_visit(august, date(2026, 8, 20))
    for _ in range(12):
        made = member(
            beta,
            "SS14",
            "benefits",
            {"ethnic_group": "white_british", "gender": "prefer_not_to_say"},
        )
        insert_visit(made, DAY)
    db.session.commit()
    refresh_rollups()
    return {"sites": {"alpha": alpha, "beta": beta}, "members": members}


def _released(site=None):
    stats = period_statistics(SEPTEMBER, today=TODAY)
    reach = reach_statistics([s.id for s in stats.sites], SEPTEMBER, TODAY)
    ref = None if site is None else stats.site(site)
    return stats, reach, release_statistics(stats, site=ref, reach=reach).reach


def _rows(section, breakdown):
    return {row["category"]: row["households"] for row in section["breakdowns"][breakdown]["rows"]}


def test_the_raw_figures_of_the_month(reached):
    alpha, beta = (reached["sites"][code].id for code in ("alpha", "beta"))
    stats = reach_statistics([alpha, beta], SEPTEMBER, TODAY)
    a, b, programme = stats.by_scope[alpha], stats.by_scope[beta], stats.by_scope[None]
    assert (a.households, b.households, programme.households) == (30, 12, 42)
    assert dict(+a.by["ethnic_group"]) == {
        "white": 15,
        "asian": 11,
        "black": 2,
        "prefer_not_to_say": 1,
        "not_asked": 1,
    }
    assert dict(+a.by["gender"]) == {"woman": 16, "man": 12, "not_asked": 2}
    assert dict(+a.by["disability"]) == {
        "yes": 10,
        "no": 15,
        "prefer_not_to_say": 3,
        "not_asked": 2,
    }
    assert dict(+a.by["employment"]) == {"employed_part_time": 15, "not_asked": 15}
    assert dict(+a.by["carer"]) == {"not_asked": 30}
    assert dict(+programme.by["ethnic_group"])["white"] == 27
    assert dict(+programme.by["gender"]) == {
        "woman": 16,
        "man": 12,
        "prefer_not_to_say": 12,
        "not_asked": 2,
    }
    assert dict(+programme.by["district"]) == {"CM20": 20, "CM19": 10, "SS14": 12}
    assert dict(+programme.by["route"]) == {"self_declared": 20, "referral": 10, "benefits": 12}
    assert stats.categories["district"] == ("CM19", "CM20", "SS14")
    # Every breakdown adds up to the households reached, at every scope.
    for figures in stats.by_scope.values():
        for breakdown in BREAKDOWNS:
            assert sum(figures.by[breakdown].values()) == figures.households


def test_the_programmes_breakdowns_released(reached):
    _, _, section = _released()
    assert section["households"] == 40
    assert _rows(section, "ethnic_group") == {
        "asian": 10,
        "black": "<10",
        "mixed": "<10",
        "white": 25,
        "other": "<10",
        "prefer_not_to_say": "<10",
        "not_asked": "<10",
    }
    assert _rows(section, "district") == {"CM19": 10, "CM20": 20, "SS14": 10}
    # No household came by the postcode route: its 0 is the line's one hidden count, so the
    # smallest shown beside it (referral's 10) is withheld too.
    assert _rows(section, "route") == {
        "self_declared": 20,
        "referral": "<10",
        "benefits": 10,
        "postcode": "<10",
    }
    gender = _rows(section, "gender")
    assert (gender["woman"], gender["man"], gender["prefer_not_to_say"]) == (15, 10, 10)
    assert gender["non_binary"] == gender["another"] == gender["not_asked"] == "<10"


def test_a_sites_small_cells_and_the_secondary_suppression(reached):
    stats, reach, alpha = _released("alpha")
    assert alpha["households"] == 30
    ethnic = _rows(alpha, "ethnic_group")
    assert ethnic["white"] == 15
    # 11 at Alpha and 11 in the programme would give Beta's 0 back: withheld.
    assert ethnic["asian"] == "<10"
    # Each district is one site's alone: its count there, beside the programme's, would give
    # the other site's 0 back, so every district is withheld at each site.
    assert _rows(alpha, "district") == {"CM19": "<10", "CM20": "<10", "SS14": "<10"}
    # "No" (15, Beta's 0) is withheld at Alpha; "yes" stays, as the programme's yes is withheld
    # (the smallest beside its 3 "prefer not to say").
    assert _rows(alpha, "disability") == {
        "yes": 10,
        "no": "<10",
        "prefer_not_to_say": "<10",
        "not_asked": "<10",
    }
    ids = [s.id for s in stats.sites]
    main = linked_pattern({**stats.by_site, None: stats.programme}, ids)
    pattern = reach_pattern(reach, main, ids)
    alpha_id = reached["sites"]["alpha"].id
    assert ("ethnic_group.asian", alpha_id) in pattern.secondary
    # No line (a breakdown to its households, or sites to the programme) has exactly one
    # hidden entry: nothing can be subtracted back.
    hidden = pattern.primary | pattern.secondary
    scopes = [None, *ids]
    lines = [
        ([(f"{b}.{c}", scope) for c in reach.categories[b]], ("households", scope))
        for scope in scopes
        for b in BREAKDOWNS
    ]
    names = {name for name, scope in pattern.values if scope is None}
    lines += [([(name, i) for i in ids], (name, None)) for name in names]
    for parts, total in lines:
        assert sum(key in hidden for key in (*parts, total)) != 1, (parts, total)


def test_a_small_sites_report_hides_every_count(reached):
    _, _, beta = _released("beta")
    assert beta["households"] == 10  # 12, shown
    assert set(_rows(beta, "gender").values()) == {"<10"}  # 12 beside the programme's 12
    assert set(_rows(beta, "district").values()) == {"<10"}


# --- through the routes ----------------------------------------------------------------------


@pytest.fixture
def lead(make_user):
    return make_user("programme_lead")


def _csv(client, headers, name, site=""):
    response = client.get(f"/api/v1/stats/tables/{name}.csv?period=2026-09{site}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_feed_and_the_csv_files_carry_the_section(reached, client, lead, token_for):
    headers = token_for(lead)
    body = client.get("/api/v1/stats?period=2026-09", headers=headers).json
    assert StatsOut().validate(body) == {}
    reach = body["reach"]
    assert reach["households"] == 40
    assert set(reach["breakdowns"]) == set(BREAKDOWNS)
    white = next(r for r in reach["breakdowns"]["ethnic_group"]["rows"] if r["category"] == "white")
    assert white == {"category": "white", "label": "White", "households": 25}
    # Geography no finer than the postcode district.
    for row in reach["breakdowns"]["district"]["rows"]:
        assert re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", row["category"])
    rows = _csv(client, headers, "reach_ethnic_group")
    assert rows[0] == ["Ethnic group (ONS 2021 high-level groups, of the person registering)"]
    assert any(r[:1] == ["Disclosure rule"] for r in rows)
    found = {r[0]: r[1] for r in rows if len(r) == 2}
    assert found["White"] == "25"
    assert found["Black, Black British, Black Welsh, Caribbean or African"] == "<10"
    assert found["All households reached"] == "40"
    districts = {r[0]: r[1] for r in _csv(client, headers, "reach_district") if len(r) == 2}
    assert districts["CM20"] == "20"
    site = _csv(client, headers, "reach_district", "&site=alpha")
    assert {r[0]: r[1] for r in site if len(r) == 2}["CM20"] == "<10"


def test_the_pdfs_and_the_pages_show_the_section(
    reached, client, lead, token_for, login, make_user
):
    headers = token_for(lead)
    pack = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    assert pack.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pack.data)).pages)
    assert "Who is reached" in text
    assert "Postcode district" in text
    assert "Disability or long-term illness in the household" in text
    manager = make_user("site_manager", sites=[reached["sites"]["alpha"]])
    monthly = client.get(
        "/api/v1/sites/alpha/reports/monthly.pdf?period=2026-09", headers=token_for(manager)
    )
    assert monthly.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(monthly.data)).pages)
    assert "Who is reached" in text
    login(lead)
    page = client.get("/reporting/programme?period=2026-09").get_data(as_text=True)
    assert 'id="h-reach"' in page
    assert "reach_ethnic_group.csv" in page
    methods = client.get("/reporting/methods").get_data(as_text=True)
    assert "Who is reached" in methods
    assert "ONS 2021 census categories" in methods


def test_a_lead_sees_no_personal_data_nor_any_members_answer(reached, client, lead, token_for):
    headers = token_for(lead)
    bodies = [
        client.get("/api/v1/stats?period=2026-09", headers=headers).get_data(as_text=True),
        client.get("/api/v1/stats?period=2026-09&site=alpha", headers=headers).get_data(
            as_text=True
        ),
    ]
    for breakdown in BREAKDOWNS:
        response = client.get(
            f"/api/v1/stats/tables/reach_{breakdown}.csv?period=2026-09", headers=headers
        )
        bodies.append(response.data.decode("utf-8-sig"))
    pdf = client.get("/api/v1/reports/programme.pdf?period=2026-Q3", headers=headers)
    bodies.append("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    numbers = [m.membership_number for m in reached["members"]]
    # Names, postcodes, numbers, and the detailed ethnic categories (only the five groups).
    secrets = ("Zebedee", "Quxworthy", SECRET_POSTCODE, "white_irish", "Pakistani", *numbers)
    for body in bodies:
        for secret in secrets:
            assert secret not in body


def test_the_section_reads_the_same_few_statements_whatever_the_number_of_sites(
    reached, client, lead, token_for, make_site
):
    """Grouped, period-bounded reads, not one per site: the month is over and rolled up, so
    one read of the stored breakdowns and none of the members' answers."""
    from sqlalchemy import event

    headers = token_for(lead)

    def reach_reads() -> int:
        seen: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/api/v1/stats?period=2026-09", headers=headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert not [s for s in seen if "member_monitoring" in s]
        return sum(1 for s in seen if "period_household_breakdowns" in s)

    before = reach_reads()
    for n in range(5):
        make_site(code=f"extra{n}", name=f"Extra {n}")
    db.session.commit()
    assert reach_reads() == before == 1


def test_the_visit_type_sums_are_read_once_for_the_payments_and_the_visit_types(
    reached, client, lead, token_for
):
    """The payment models' sums and the visit-types section share one read of the rollup by
    visit type (at a thousand sites each read is tens of milliseconds)."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/stats?period=2026-09", headers=token_for(lead))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.json["visit_types"]
    assert sum(1 for s in seen if "daily_visit_type_stats" in s) == 1
