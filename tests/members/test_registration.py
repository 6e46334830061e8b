"""Registering a household: validation, eligibility, duplicates, numbers and the waiting list."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from marshmallow import ValidationError
from sqlalchemy import func, select

from supermarket.auth.models import AuditEvent
from supermarket.errors import Conflict, InvalidInput, NotFound
from supermarket.extensions import db
from supermarket.members import services
from supermarket.members.identifiers import is_valid_membership_number
from supermarket.members.models import Member, MemberConsent
from supermarket.members.schemas import MemberIn
from supermarket.members.services import registration
from tests.conftest import TEST_NOW
from tests.factories import member_payload as payload


def _load(**overrides):
    return MemberIn().load(payload(**overrides))


def _errors(**overrides):
    with pytest.raises(ValidationError) as caught:
        _load(**overrides)
    return caught.value.messages


def test_registration_creates_an_active_member_with_term_review_and_consents(staff_pair):
    site, volunteer, _ = staff_pair()
    with time_machine.travel(date(2026, 1, 31), tick=False):
        result = services.register_member(site, _load(), actor=volunteer)
    member = result.member
    assert member.status == "active"
    assert member.joined_on == date(2026, 1, 31)
    assert member.expires_on == date(2026, 7, 31)
    assert member.review_due_on == date(2026, 4, 30)
    assert member.age_band == "35-44"
    assert member.postcode_district == "CM20"
    assert member.last_name_key == "okafor"
    assert is_valid_membership_number(member.membership_number)
    assert member.consent_flags() == {
        "privacy_notice_given": True,
        "survey": True,
        "contact": False,
    }
    consent = member.active_consents()["survey"]
    assert consent.given_by_id == volunteer.id
    assert consent.given_method == "in_person"
    assert result.warnings == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.registered"))
    assert event.object_id == str(member.id)
    assert "Okafor" not in str(event.details)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Siân", "Llŷr-Jones"),
        ("Łukasz", "Wójcik"),
        ("محمد", "الحسن"),
        ("芳", "王"),
        ("Zoë", "O’Brien"),
        ("Nguyễn Thị", "Minh Khai"),
    ],
)
def test_names_in_any_script_are_accepted_and_keyed(staff_pair, first, last):
    site, volunteer, _ = staff_pair()
    member = services.register_member(
        site, _load(first_name=first, last_name=last), actor=volunteer
    ).member
    assert member.first_name == first
    assert member.last_name == last
    assert member.last_name_key


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"first_name": ""}, ("first_name",)),
        ({"first_name": "x" * 101}, ("first_name",)),
        ({"last_name": "<script>alert(1)</script>"}, ("last_name",)),
        ({"last_name": "Bob\x00by"}, ("last_name",)),
        ({"last_name": 12}, ("last_name",)),
        ({"postcode": "ZZ1 1ZZ"}, ("postcode",)),
        ({"postcode": "CM20"}, ("postcode",)),
        ({"date_of_birth": "2999-01-01"}, ("date_of_birth",)),
        ({"date_of_birth": "12/04/1988"}, ("date_of_birth",)),
        ({"date_of_birth": "1800-01-01"}, ("date_of_birth",)),
        ({"date_of_birth": f"{TEST_NOW.year - 15}-01-01"}, ("date_of_birth",)),  # under 16
        ({"phone": "call me"}, ("phone",)),
        ({"email": "not-an-email"}, ("email",)),
        ({"household": {"adults": 0}}, ("household", "adults")),
        ({"household": {"adults": 21}}, ("household", "adults")),
        ({"household": {"adults": "2"}}, ("household", "adults")),
        ({"household": {"adults": 2.5}}, ("household", "adults")),
        ({"household": {"adults": True}}, ("household", "adults")),
        ({"household": {"adults": 1, "children_0_4": -1}}, ("household", "children_0_4")),
        ({"household": {"adults": 1, "children_5_11": 21}}, ("household", "children_5_11")),
        ({"household": {"adults": 1, "pets": 2}}, ("household", "pets")),
        ({"eligibility": {"route": "vibes"}}, ("eligibility", "route")),
        ({"eligibility": {"route": "referral"}}, ("eligibility", "referral_agency")),
        (
            {"eligibility": {"route": "self_declared", "referral_agency": "CAB"}},
            ("eligibility", "referral_agency"),
        ),
        ({"dietary": ["carnivore"]}, ("dietary",)),
        ({"dietary": "vegan"}, ("dietary",)),
        ({"consents": {"privacy_notice_given": False}}, ("consents", "privacy_notice_given")),
        ({"consents": {"privacy_notice_given": "yes"}}, ("consents", "privacy_notice_given")),
        ({"consents": {"survey": True}}, ("consents", "privacy_notice_given")),
        ({"site_id": 2}, ("site_id",)),
        ({"status": "active"}, ("status",)),
        ({"membership_number": "K7M2Q9XA"}, ("membership_number",)),
    ],
)
def test_each_validation_rule_names_the_field(overrides, path):
    messages = _errors(**overrides)
    for key in path:
        assert key in messages, messages
        messages = messages[key]


@pytest.mark.parametrize(
    "missing",
    [
        "first_name",
        "last_name",
        "household",
        "eligibility",
        "consents",
    ],
)
def test_required_fields(missing):
    # The date of birth and postcode are required by the service, which knows the site's
    # settings and the route (tests/members/test_inclusive_access.py).
    data = payload()
    del data[missing]
    with pytest.raises(ValidationError) as caught:
        MemberIn().load(data)
    assert missing in caught.value.messages


def test_postcode_is_stored_normalised():
    assert _load(postcode="cm201ab").postcode == "CM20 1AB"


def test_age_boundaries_are_16_and_120():
    with time_machine.travel(date(2026, 6, 1), tick=False):
        assert _load(date_of_birth="2010-06-01").date_of_birth == date(2010, 6, 1)
        _errors(date_of_birth="2010-06-02")
        assert _load(date_of_birth="1906-06-01")
        _errors(date_of_birth="1905-05-31")


def test_site_must_accept_the_route(staff_pair):
    site, volunteer, _ = staff_pair(settings={"eligibility_routes": ["self_declared"]})
    with pytest.raises(InvalidInput) as caught:
        services.register_member(site, _load(eligibility={"route": "benefits"}), actor=volunteer)
    assert caught.value.fields == {
        "eligibility": {"route": [f"{site.name} does not accept this route."]}
    }


def test_postcode_route_checks_the_catchment(staff_pair):
    site, volunteer, _ = staff_pair(
        settings={"eligibility_routes": ["postcode"], "catchment": ["SS14", "CM20 1"]}
    )
    inside = services.register_member(
        site, _load(postcode="CM20 1XY", eligibility={"route": "postcode"}), actor=volunteer
    )
    assert inside.member.eligibility_route == "postcode"
    with pytest.raises(InvalidInput) as caught:
        services.register_member(
            site,
            _load(last_name="Other", postcode="CM20 2AB", eligibility={"route": "postcode"}),
            actor=volunteer,
        )
    assert "postcode" in caught.value.fields


def test_referral_keeps_agency_and_reference(staff_pair):
    site, volunteer, _ = staff_pair(settings={"eligibility_routes": ["referral"]})
    member = services.register_member(
        site,
        _load(
            eligibility={
                "route": "referral",
                "referral_agency": "Citizens Advice",
                "referral_reference": "CA-2291",
            }
        ),
        actor=volunteer,
    ).member
    assert (member.referral_agency, member.referral_reference) == ("Citizens Advice", "CA-2291")


def test_same_site_duplicate_answers_409_with_the_existing_number(staff_pair):
    site, volunteer, _ = staff_pair()
    first = services.register_member(site, _load(), actor=volunteer).member
    db.session.flush()
    with pytest.raises(Conflict) as caught:
        services.register_member(
            site,
            _load(first_name="Someone", last_name="OKAFOR", postcode="cm201ab"),
            actor=volunteer,
        )
    assert caught.value.code == "possible_duplicate"
    assert caught.value.details == {"membership_number": first.membership_number}


def test_duplicate_ignores_accents_and_apostrophes_in_the_surname(staff_pair):
    site, volunteer, _ = staff_pair()
    services.register_member(site, _load(last_name="O'Brien"), actor=volunteer)
    with pytest.raises(Conflict):
        services.register_member(site, _load(last_name="O’BRIEN"), actor=volunteer)


def test_a_closed_membership_does_not_block_registering_again(staff_pair):
    site, _, manager = staff_pair()
    first = services.register_member(site, _load(), actor=manager).member
    services.close_member(first, "moved away", actor=manager)
    again = services.register_member(site, _load(), actor=manager).member
    assert again.membership_number != first.membership_number


def test_member_at_another_site_is_a_warning_without_personal_data(staff_pair):
    site_a, volunteer_a, _ = staff_pair()
    site_b, volunteer_b, _ = staff_pair()
    services.register_member(site_a, _load(), actor=volunteer_a)
    result = services.register_member(site_b, _load(), actor=volunteer_b)
    assert result.member.status == "active"
    assert [w["code"] for w in result.warnings] == ["member_elsewhere"]
    message = result.warnings[0]["message"]
    assert site_a.name not in message
    assert "Okafor" not in message


def test_match_hash_is_keyed_and_never_the_plain_values(staff_pair, app):
    site, volunteer, _ = staff_pair()
    member = services.register_member(site, _load(), actor=volunteer).member
    assert len(member.match_hash) == 64
    assert "okafor" not in member.match_hash
    app.config["MEMBER_MATCH_KEY"] = "another-key"
    try:
        from supermarket.members.matching import household_match_hash, match_key

        again = household_match_hash("okafor", member.date_of_birth, "CM20 1AB", match_key())
    finally:
        app.config["MEMBER_MATCH_KEY"] = ""
    assert again != member.match_hash


def test_membership_numbers_are_unique_across_sites(staff_pair):
    numbers = set()
    for _ in range(3):
        site, volunteer, _ = staff_pair()
        for n in range(5):
            numbers.add(
                services.register_member(
                    site, _load(last_name=f"Smith{n}"), actor=volunteer
                ).member.membership_number
            )
    assert len(numbers) == 15


def test_a_taken_number_is_redrawn(staff_pair, monkeypatch):
    site, volunteer, _ = staff_pair()
    first = services.register_member(site, _load(), actor=volunteer).member
    drawn = iter([first.membership_number, "00000000"])
    monkeypatch.setattr(registration, "new_membership_number", lambda: next(drawn))
    second = services.register_member(site, _load(last_name="Other"), actor=volunteer).member
    assert second.membership_number == "00000000"


def test_member_cap_puts_new_households_on_the_waiting_list(staff_pair):
    site, _, manager = staff_pair(settings={"member_cap": 1})
    first = services.register_member(site, _load(), actor=manager).member
    second = services.register_member(site, _load(last_name="Nowak"), actor=manager).member
    assert first.status == "active"
    assert second.status == "waiting"
    assert second.expires_on is None
    assert services.waiting_position(second) == 1
    with pytest.raises(Exception, match="full"):
        services.admit_from_waiting_list(second, actor=manager)
    services.close_member(first, "moved", actor=manager)
    services.admit_from_waiting_list(second, actor=manager)
    assert second.status == "active"
    assert second.expires_on is not None


def test_staff_of_another_site_cannot_register_there(staff_pair):
    site_a, _, _ = staff_pair()
    _, volunteer_b, _ = staff_pair()
    with pytest.raises(NotFound):
        services.register_member(site_a, _load(), actor=volunteer_b)


def test_nothing_is_stored_when_registration_is_refused(staff_pair):
    site, volunteer, _ = staff_pair(settings={"eligibility_routes": ["self_declared"]})
    before = db.session.scalar(select(func.count(Member.id)))
    with pytest.raises(InvalidInput):
        services.register_member(site, _load(eligibility={"route": "benefits"}), actor=volunteer)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Member.id))) == before
    assert db.session.scalar(select(func.count(MemberConsent.id))) == 0
