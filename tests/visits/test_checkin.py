"""Check-in as a service: what a visit records, allowances and fees, overrides, other sites,
idempotency, sessions, scanned products from stock, and voiding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from supermarket.extensions import db
from supermarket.visits import services
from supermarket.visits.models import Visit
from supermarket.visits.schemas import CheckInIn
from tests.visits.conftest import local

CANVEY = {
    "fee_pence": 400,
    "bands": [
        {"name": "red", "limit": 3, "average_value_pence": 250},
        {"name": "blue", "limit": 7, "average_value_pence": 120},
        {"name": "free", "limit": None, "average_value_pence": 0},
    ],
    "tiers": [
        {"name": "Plus", "min_people": 5, "fee_pence": 500, "band_limits": {"red": 4, "blue": 10}}
    ],
}


def visits_of(member) -> int:
    return db.session.scalar(select(func.count(Visit.id)).where(Visit.member_id == member.id))


# --- what a visit records ---------------------------------------------------------------------


def test_a_check_in_records_household_basket_fee_value_and_saving(desk):
    member = desk.member()
    result = desk.check_in(member, basket={"red": 2, "blue": 8, "free": 3})
    visit = result.visit
    assert result.created
    assert (visit.adults, visit.children_0_4, visit.children_5_11, visit.children_12_17) == (
        2,
        1,
        1,
        0,
    )
    assert visit.basket == {"red": 2, "blue": 8, "free": 3}
    assert visit.fee_pence == 350
    assert (visit.payment_method, visit.amount_paid_pence) == ("cash", 350)
    assert visit.retail_value_pence == 2 * 250 + 8 * 120  # free items are valued at 0
    assert visit.savings_pence == 1460 - 350
    assert visit.actor_id == desk.volunteer.id
    assert visit.overridden_rules == []
    assert result.visits_left == 0


def test_the_household_snapshot_stays_when_the_household_changes(desk):
    member = desk.member()
    visit = desk.check_in(member).visit
    member.adults = 4
    db.session.commit()
    db.session.refresh(visit)
    assert visit.adults == 2
    assert visit.people == 4


def test_savings_are_never_below_nothing(desk):
    visit = desk.check_in(desk.member(), basket={"free": 4}).visit
    assert visit.retail_value_pence == 0
    assert visit.savings_pence == 0


def test_check_in_is_audited_without_personal_data(desk):
    visit = desk.check_in(desk.member()).visit
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "visit.checked_in", AuditEvent.object_id == str(visit.id)
        )
    )
    assert event is not None
    assert "Tasha" not in str(event.details)


# --- allowance and fees -----------------------------------------------------------------------


def test_a_basket_over_the_allowance_is_refused_and_says_by_how_much(desk):
    with pytest.raises(RuleViolation) as excinfo:
        desk.check_in(desk.member(), basket={"red": 3, "blue": 8})
    assert excinfo.value.code == "allowance_exceeded"
    assert excinfo.value.message.startswith("Over the allowance: 3 red (allowance 2).")
    assert excinfo.value.details["bands"] == {"red": {"items": 3, "limit": 2}}


def test_free_bands_are_not_counted(desk):
    assert desk.check_in(desk.member(), basket={"free": 50}).created


def test_a_band_the_site_does_not_have_is_invalid_input(desk):
    with pytest.raises(InvalidInput) as excinfo:
        desk.check_in(desk.member(), basket={"green": 1})
    assert "green" in excinfo.value.fields["basket"]


def test_a_larger_household_gets_its_tiers_allowance_and_fee(make_desk):
    desk = make_desk(**CANVEY)
    big = desk.member(
        household={"adults": 2, "children_0_4": 1, "children_5_11": 2, "children_12_17": 0}
    )
    visit = desk.check_in(big, basket={"red": 4, "blue": 10}).visit
    assert (visit.tier, visit.fee_pence, visit.amount_paid_pence) == ("Plus", 500, 500)
    small = desk.member(
        household={"adults": 1, "children_0_4": 0, "children_5_11": 0, "children_12_17": 0}
    )
    with pytest.raises(RuleViolation):
        desk.check_in(small, basket={"red": 4})
    assert desk.check_in(small, basket={"red": 3}).visit.fee_pence == 400


def test_card_payment_and_a_waived_fee_with_its_reason(desk):
    card = desk.check_in(desk.member(), payment={"method": "card"}).visit
    assert (card.payment_method, card.amount_paid_pence) == ("card", 350)
    waived = desk.check_in(
        desk.member(), basket={"red": 1}, payment={"method": "waived", "reason": "Lost purse"}
    ).visit
    assert (waived.payment_method, waived.amount_paid_pence, waived.payment_reason) == (
        "waived",
        0,
        "Lost purse",
    )
    assert waived.savings_pence == 250


def test_a_waived_fee_needs_a_reason_and_takes_no_money(desk):
    with pytest.raises(InvalidInput) as excinfo:
        desk.check_in(desk.member(), payment={"method": "waived"})
    assert "reason" in excinfo.value.fields["payment"]
    with pytest.raises(InvalidInput):
        desk.check_in(
            desk.member(), payment={"method": "waived", "amount_pence": 100, "reason": "x"}
        )


def test_paying_other_than_the_fee_needs_a_reason(desk):
    with pytest.raises(InvalidInput):
        desk.check_in(desk.member(), payment={"method": "cash", "amount_pence": 200})
    visit = desk.check_in(
        desk.member(),
        payment={"method": "cash", "amount_pence": 200, "reason": "Paid what she had"},
    ).visit
    assert visit.amount_paid_pence == 200


# --- overrides --------------------------------------------------------------------------------


def test_an_override_with_a_reason_records_the_rules_and_who(desk):
    member = desk.member()
    desk.check_in(member, now=local("2026-03-03 10:00"))
    result = desk.check_in(
        member,
        now=local("2026-03-07 10:00"),
        basket={"red": 3},
        override_reason="Hardship — manager agreed",
    )
    visit = result.visit
    assert visit.overridden_rules == ["visit_limit_reached", "allowance_exceeded"]
    assert visit.override_reason == "Hardship — manager agreed"
    assert visit.overridden_by_id == desk.volunteer.id
    assert result.visits_left == 0
    assert visits_of(member) == 2


def test_an_override_reason_is_not_recorded_when_no_rule_needed_it(desk):
    visit = desk.check_in(desk.member(), override_reason="Emergency referral").visit
    assert visit.override_reason == ""
    assert visit.overridden_rules == []


def test_where_overrides_are_for_managers_a_volunteer_cannot_override(make_desk):
    desk = make_desk(overrides_managers_only=True)
    member = desk.member()
    desk.check_in(member, now=local("2026-03-03 10:00"))
    with pytest.raises(PermissionDenied) as excinfo:
        desk.check_in(member, now=local("2026-03-04 10:00"), override_reason="Hardship")
    assert excinfo.value.code == "override_needs_manager"
    visit = desk.check_in(
        member, actor=desk.manager, now=local("2026-03-04 10:00"), override_reason="Hardship"
    ).visit
    assert visit.overridden_by_id == desk.manager.id


# --- other sites ------------------------------------------------------------------------------


def test_a_member_of_another_site_may_shop_where_that_site_allows_it(make_desk, make_user):
    home = make_desk()
    away = make_desk(allow_other_site_members=True)
    member = home.member()
    visit = away.check_in(member, now=local("2026-03-03 10:00")).visit
    assert visit.site_id == away.site.id
    assert visit.member_id == member.id


def test_the_limit_counts_visits_at_every_site(make_desk):
    home = make_desk()
    away = make_desk(allow_other_site_members=True)
    member = home.member()
    home.check_in(member, now=local("2026-03-03 10:00"))
    with pytest.raises(RuleViolation) as excinfo:
        away.check_in(member, now=local("2026-03-05 10:00"))
    assert excinfo.value.code == "visit_limit_reached"


def test_a_site_that_takes_only_its_own_members_says_so_to_staff_of_both(make_desk, make_user):
    home = make_desk()
    strict = make_desk()
    both = make_user("volunteer", sites=[home.site, strict.site])
    member = home.member()
    with pytest.raises(RuleViolation) as excinfo:
        strict.check_in(member, actor=both)
    assert excinfo.value.code == "not_allowed_at_this_site"
    # Staff of the strict site alone cannot tell the number exists.
    with pytest.raises(NotFound) as excinfo:
        strict.check_in(member)
    assert excinfo.value.code == "member_not_found"


def test_staff_of_another_site_cannot_check_in_here(desk, make_desk):
    other = make_desk()
    with pytest.raises(NotFound):
        services.check_in(
            desk.site,
            CheckInIn().load({"membership_number": desk.member().membership_number}),
            actor=other.volunteer,
        )


def test_a_mistyped_number_is_invalid_input_not_someone_else(desk):
    number = desk.member().membership_number
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidInput):
        services.check_in(
            desk.site, CheckInIn().load({"membership_number": wrong}), actor=desk.volunteer
        )


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_key_again_returns_the_first_visit(desk):
    member = desk.member()
    first = desk.check_in(member, key="tablet-1-attempt-0001", basket={"red": 1})
    again = desk.check_in(member, key="tablet-1-attempt-0001", basket={"red": 1})
    assert not again.created
    assert again.visit.id == first.visit.id
    assert visits_of(member) == 1


def test_the_same_check_in_is_the_same_however_it_is_written(desk, stocked):
    stocked(desk, "BEANS-1", [(10, {})])
    stocked(desk, "RICE-1", [(10, {})])
    member = desk.member()
    first = desk.check_in(
        member,
        key="tablet-1-attempt-0005",
        basket={"red": 1},
        lines=[{"sku": "BEANS-1", "quantity": 2}, {"sku": "RICE-1", "quantity": 1}],
        payment=None,
        override_reason="",
    )
    again = services.check_in(
        desk.site,
        CheckInIn().load(
            {
                "membership_number": " " + member.membership_number.lower() + " ",
                "basket": {"blue": 0, "red": 1},
                "lines": [
                    {"sku": "rice-1", "quantity": 1},
                    {"sku": "beans-1", "quantity": 1},
                    {"sku": "BEANS-1", "quantity": 1},
                ],
                "payment": {"method": "cash", "amount_pence": None, "reason": " "},
                "override_reason": None,
            }
        ),
        actor=desk.volunteer,
        key="tablet-1-attempt-0005",
    )
    assert not again.created
    assert again.visit.id == first.visit.id


@pytest.mark.parametrize(
    "change",
    [
        {"basket": {"red": 2}},
        {"basket": {"red": 1, "blue": 3}},
        {"payment": {"method": "card"}},
        {"payment": {"method": "cash", "amount_pence": 200, "reason": "short of cash"}},
        {"payment": {"method": "waived", "reason": "hardship"}},
        {"override_reason": "Emergency referral"},
    ],
)
def test_a_key_reused_for_a_different_check_in_is_refused_and_the_first_stands(desk, change):
    member = desk.member()
    first = desk.check_in(member, key="tablet-1-attempt-0003", basket={"red": 1})
    with pytest.raises(Conflict) as excinfo:
        desk.check_in(member, key="tablet-1-attempt-0003", **{"basket": {"red": 1}, **change})
    db.session.rollback()
    assert excinfo.value.code == "idempotency_key_reused"
    assert excinfo.value.details == {"visit_id": first.visit.id}
    assert visits_of(member) == 1
    assert db.session.get(Visit, first.visit.id).basket == {"red": 1}


def test_a_key_reused_with_other_scanned_products_is_refused(desk, stocked):
    stocked(desk, "BEANS-1", [(10, {})])
    member = desk.member()
    desk.check_in(member, key="tablet-1-attempt-0004", lines=[{"sku": "BEANS-1", "quantity": 1}])
    with pytest.raises(Conflict):
        desk.check_in(
            member, key="tablet-1-attempt-0004", lines=[{"sku": "BEANS-1", "quantity": 2}]
        )


def test_a_visit_recorded_before_fingerprints_replays_for_its_member(desk):
    member = desk.member()
    first = desk.check_in(member, key="tablet-1-attempt-0006")
    first.visit.request_hash = None  # as the migration leaves older visits
    db.session.commit()
    again = desk.check_in(member, key="tablet-1-attempt-0006", basket={"red": 1})
    assert not again.created
    assert again.visit.id == first.visit.id


def test_a_key_reused_for_another_member_is_refused(desk):
    desk.check_in(desk.member(), key="tablet-1-attempt-0002")
    with pytest.raises(Conflict) as excinfo:
        desk.check_in(desk.member(), key="tablet-1-attempt-0002")
    assert excinfo.value.code == "idempotency_key_reused"


def test_keys_are_per_site(make_desk):
    a, b = make_desk(), make_desk()
    assert a.check_in(a.member(), key="same-key-0001").created
    assert b.check_in(b.member(), key="same-key-0001").created


@pytest.mark.parametrize("key", ["short", "has space in it", "x" * 101, "<script>1234"])
def test_a_malformed_key_is_invalid_input(desk, key):
    with pytest.raises(InvalidInput):
        desk.check_in(desk.member(), key=key)


# --- sessions ---------------------------------------------------------------------------------


def test_visits_join_todays_open_session(desk):
    session = services.open_session(desk.site, actor=desk.volunteer, volunteers="Sue, Tom")
    db.session.commit()
    visit = desk.check_in(desk.member()).visit
    assert visit.session_id == session.id


def test_a_session_left_open_from_an_earlier_day_gets_no_new_visits(desk):
    services.open_session(desk.site, actor=desk.volunteer, now=local("2026-03-03 10:00"))
    db.session.commit()
    visit = desk.check_in(desk.member(), now=local("2026-03-07 10:00")).visit
    assert visit.session_id is None
    assert services.stale_session(desk.site, now=local("2026-03-07 10:00")) is not None


# --- voiding ----------------------------------------------------------------------------------


def test_a_manager_voids_a_visit_the_same_day_with_a_reason(desk):
    visit = desk.check_in(desk.member(), now=local("2026-03-07 10:00")).visit
    voided = services.void_visit(
        desk.site, visit.id, "Wrong card scanned", actor=desk.manager, now=local("2026-03-07 11:00")
    )
    assert voided.voided_at is not None
    assert (voided.void_reason, voided.voided_by_id) == ("Wrong card scanned", desk.manager.id)


def test_voiding_is_refused_the_next_day_twice_without_a_reason_or_by_a_volunteer(desk):
    visit = desk.check_in(desk.member(), now=local("2026-03-07 10:00")).visit
    with pytest.raises(RuleViolation) as excinfo:
        services.void_visit(
            desk.site, visit.id, "late", actor=desk.manager, now=local("2026-03-08 09:00")
        )
    assert excinfo.value.code == "void_too_late"
    with pytest.raises(PermissionDenied):
        services.void_visit(
            desk.site, visit.id, "x", actor=desk.volunteer, now=local("2026-03-07 11:00")
        )
    with pytest.raises(InvalidInput):
        services.void_visit(
            desk.site, visit.id, "  ", actor=desk.manager, now=local("2026-03-07 11:00")
        )
    services.void_visit(desk.site, visit.id, "x", actor=desk.manager, now=local("2026-03-07 11:00"))
    with pytest.raises(RuleViolation) as excinfo:
        services.void_visit(
            desk.site, visit.id, "x", actor=desk.manager, now=local("2026-03-07 11:01")
        )
    assert excinfo.value.code == "already_voided"


def test_another_sites_manager_cannot_void_or_see_a_visit(desk, make_desk):
    visit = desk.check_in(desk.member()).visit
    other = make_desk()
    with pytest.raises(NotFound):
        services.void_visit(desk.site, visit.id, "x", actor=other.manager)
    with pytest.raises(NotFound):
        services.void_visit(other.site, visit.id, "x", actor=other.manager)


# --- the panel --------------------------------------------------------------------------------


def test_the_panel_shows_visits_left_and_what_is_due(desk):
    today = services.site_today(desk.site)
    member = desk.member(
        review_due_on=today + timedelta(days=20), expires_on=today + timedelta(days=10)
    )
    panel = services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert panel.limit.left == 1
    assert panel.problems == []
    texts = [n.text for n in panel.notices]
    assert any(t.startswith("Renewal due: membership ends on") for t in texts)
    assert any(t.startswith("Review due on") for t in texts)
    assert panel.allowance.limits == {"red": 2, "blue": 8, "free": None}
    assert panel.allowance.fee_pence == 350


def test_the_panel_says_the_limit_is_used_up_before_anyone_taps(desk):
    member = desk.member()
    desk.check_in(member)
    panel = services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert [p.rule.value for p in panel.problems] == ["visit_limit_reached"]
    assert panel.needs_override
    assert not panel.blocked
    assert panel.limit.left == 0


def test_the_panel_offers_the_grace_period_as_a_notice(make_desk):
    desk = make_desk(grace_days=7)
    today = services.site_today(desk.site)
    member = desk.member(expires_on=today - timedelta(days=1))
    panel = services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert panel.problems == []
    assert panel.notices[0].text.startswith("Membership ended on")
    assert "It can still be used until" in panel.notices[0].text


def test_the_panel_shows_a_survey_when_one_is_due(desk):
    member = desk.member(consents={"privacy_notice_given": True, "survey": True, "contact": False})
    panel = services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert panel.notices[-1].kind == "survey"
    assert panel.notices[-1].text == (
        "Food survey (first time) due: ask if they would answer a few short questions."
    )


def test_no_survey_is_offered_without_consent(desk):
    member = desk.member()
    panel = services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert all(n.kind != "survey" for n in panel.notices)


def test_viewing_the_panel_is_audited(desk):
    member = desk.member()
    services.checkin_panel(desk.site, member.membership_number, actor=desk.volunteer)
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "member.viewed_at_checkin", AuditEvent.object_id == str(member.id)
        )
    )
