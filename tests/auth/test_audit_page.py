"""The audit log as an administrator reads it: events in words, a member by membership number
(never a database id), and filters by who, what, when and which member."""

from __future__ import annotations

from supermarket.auth import audit
from supermarket.extensions import db


def _viewed_at_checkin(desk, member) -> None:
    audit.record(
        "member.viewed_at_checkin",
        actor=desk.volunteer,
        object_type="member",
        object_id=member.id,
        site_id=desk.site.id,
    )
    db.session.commit()


def test_the_log_says_what_happened_in_words_and_names_the_member_by_number(
    client, desk, make_user, login
):
    member = desk.member()
    _viewed_at_checkin(desk, member)
    login(make_user("admin"))
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Member&#39;s details viewed at check-in" in html
    assert f"Member {member.membership_number}" in html
    assert f"member {member.id}<" not in html
    assert ">member.viewed_at_checkin<" not in html  # the code is only a choice's value
    assert "Signed in</td>" in html


def test_the_log_filters_by_member_what_and_who(client, desk, make_user, login):
    first, second = desk.member(), desk.member()
    _viewed_at_checkin(desk, first)
    _viewed_at_checkin(desk, second)
    login(make_user("admin"))

    html = client.get(f"/admin/audit?member={first.membership_number.lower()}").get_data(
        as_text=True
    )
    assert f"Member {first.membership_number}" in html
    assert f"Member {second.membership_number}" not in html
    assert "Signed in</td>" not in html

    html = client.get("/admin/audit?action=member.viewed_at_checkin").get_data(as_text=True)
    assert html.count("Member&#39;s details viewed at check-in") == 3  # two rows and the choice
    assert "Member registered</td>" not in html

    html = client.get(f"/admin/audit?actor={desk.volunteer.email}&action=member.").get_data(
        as_text=True
    )
    assert html.count("viewed at check-in</td>") == 2
    assert "Member registered</td>" not in html

    assert "Nothing matches." in client.get("/admin/audit?member=NOSUCH99").get_data(as_text=True)


def test_every_action_the_app_records_has_words():
    recorded = {
        "access.denied", "auth.choose_site", "login.failed", "login.mfa_failed",
        "login.succeeded", "logout", "member.anonymised", "member.card_printed",
        "member.cards_printed", "member.consent_given", "member.consent_withdrawn",
        "member.exported", "member.found_from_other_site", "member.registered",
        "member.updated", "member.viewed", "member.viewed_at_checkin", "members.imported",
        "members.lapsed", "password.check_failed", "product.created", "product.imported",
        "product.updated", "retention.run", "session.closed", "session.opened",
        "session.sheet_exported", "site.created", "site.settings_changed", "site.updated",
        "stocktake.approved", "survey.recorded", "token.created", "token.revoked",
        "user.created", "user.deactivated", "user.mfa_enabled", "user.password_changed",
        "user.updated", "visit.checked_in", "visit.voided",
        *(f"member.{a}" for a in ("suspended", "reinstated", "renewed", "reviewed")),
        "member.closed", "member.admitted",
    }  # fmt: skip
    assert recorded - set(audit.ACTIONS) == set()
