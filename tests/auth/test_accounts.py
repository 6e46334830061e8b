"""Staff accounts: creation rules, admin pages, the audit log and the API's /me."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from supermarket.auth import services as auth
from supermarket.auth.models import AuditEvent, User
from supermarket.auth.passwords import IS_EMAIL
from supermarket.errors import Conflict, InvalidInput, PermissionDenied
from supermarket.extensions import db
from tests.conftest import PASSWORD, csrf_token


def test_password_is_stored_with_argon2id(make_user):
    user = make_user("volunteer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "password1",
        "12345678",
        "supermarket2024",
        "foodbank!!",
        "harlow123!",
        "qwertyuiop",
    ],
)
def test_weak_and_context_passwords_are_refused(make_site, password):
    site = make_site(code="harlow", name="Harlow")
    with pytest.raises(InvalidInput) as error:
        auth.create_user(
            email="new@example.org",
            name="New Person",
            role="volunteer",
            password=password,
            sites=[site],
            actor=None,
        )
    assert "password" in error.value.fields


@pytest.mark.parametrize(
    "password",
    ["Sue.Barker.Harlow@Example.org", "sue.barker.harlow@example.org", "SUE.BARKER.HARLOW"],
)
def test_the_email_address_is_refused_as_a_password(make_site, password):
    with pytest.raises(InvalidInput) as error:
        auth.create_user(
            email="sue.barker.harlow@example.org",
            name="Sue Barker",
            role="volunteer",
            password=password,
            sites=[make_site()],
            actor=None,
        )
    assert error.value.fields == {"password": IS_EMAIL}


def test_a_long_passphrase_is_accepted(make_site):
    user = auth.create_user(
        email="p@example.org",
        name="Pat",
        role="volunteer",
        password="a" * 20 + " the quick brown fox jumps " + "z" * 18,
        sites=[make_site()],
        actor=None,
    )
    assert user.id


def test_emails_are_unique_whatever_their_case(make_user):
    make_user("volunteer", email="Sue@Example.org")
    with pytest.raises(Conflict):
        make_user("volunteer", email="sue@example.ORG")


def test_site_roles_need_a_site():
    with pytest.raises(InvalidInput) as error:
        auth.create_user(
            email="v@example.org",
            name="Vol",
            role="volunteer",
            password=PASSWORD,
            sites=[],
            actor=None,
        )
    assert "sites" in error.value.fields


def test_only_admins_create_accounts(make_user):
    with pytest.raises(PermissionDenied):
        auth.create_user(
            email="x@example.org",
            name="X",
            role="admin",
            password=PASSWORD,
            actor=make_user("site_manager"),
        )


def test_admin_cannot_lock_themselves_out(make_user):
    admin = make_user("admin")
    with pytest.raises(InvalidInput):
        auth.update_user(
            admin, name=admin.name, role="volunteer", sites=[], active=True, actor=admin
        )


def test_admin_creates_an_account_and_sees_a_one_time_password(client, make_site, make_user, login):
    site = make_site(code="harlow")
    login(make_user("admin"))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new.volunteer@example.org",
            "name": "New Volunteer",
            "role": "volunteer",
            "sites": ["harlow"],
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "shown only once" in html
    user = auth.find_user_by_email("new.volunteer@example.org")
    assert user is not None
    assert user.site_codes == [site.code]
    password = html.split('<p class="big-secret"><code>')[1].split("</code>")[0]
    assert auth.authenticate(user.email, password) is user


def test_admin_deactivates_an_account_on_the_page(client, make_user, login):
    target = make_user("volunteer")
    login(make_user("admin"))
    response = client.post(
        f"/admin/users/{target.id}",
        data={
            "name": target.name,
            "role": "volunteer",
            "sites": target.site_codes,
            "csrf_token": csrf_token(client, "/admin/users"),
        },
    )
    assert response.status_code == 303
    db.session.refresh(target)
    assert target.active is False


def test_admin_filters_the_audit_log(client, make_user, login):
    make_user("volunteer", email="findme@example.org")
    login(make_user("admin"))
    html = client.get("/admin/audit?action=user.created").get_data(as_text=True)
    assert "user.created" in html
    html = client.get("/admin/audit?action=nothing.like.this").get_data(as_text=True)
    assert "Nothing matches." in html
    assert client.get("/admin/audit?from=2020-01-01&to=not-a-date").status_code == 200


def test_the_audit_log_cannot_be_changed(make_user):
    make_user("volunteer")
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "tampered"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_the_audit_log_refuses_updates_in_the_database_too(make_user):
    make_user("volunteer")
    with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text("UPDATE audit_events SET action = 'tampered'"))


def test_me_describes_the_token_owner(client, make_site, make_user, token_for):
    site = make_site(code="harlow")
    user = make_user("site_manager", sites=[site], name="Amara Okafor")
    body = client.get("/api/v1/me", headers=token_for(user)).json
    assert body == {
        "email": user.email,
        "name": "Amara Okafor",
        "role": "site_manager",
        "sites": ["harlow"],
    }


def test_deactivated_users_tokens_stop_working(client, make_user, token_for):
    user = make_user("admin")
    headers = token_for(user)
    auth.deactivate_user(user, actor=None)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_user_changes_their_password_and_other_sessions_end(client, app, make_user, login):
    user = make_user("volunteer")
    login(user)
    other = app.test_client()
    other.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(other)}
    )
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new long phrase",
            "confirm_password": "a brand new long phrase",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    assert db.session.get(User, user.id) is not None
    assert auth.authenticate(user.email, "a brand new long phrase") is not None


def test_the_account_page_refuses_the_email_as_the_new_password(client, make_user, login):
    user = make_user("volunteer", email="jo.bloggs.harlow@example.org")
    login(user)
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "Jo.Bloggs.Harlow@Example.org",
            "confirm_password": "Jo.Bloggs.Harlow@Example.org",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="f-new_password-error" role="alert">{IS_EMAIL}</p>' in html
    assert auth.authenticate(user.email, PASSWORD) is not None


def test_the_staff_list_names_a_referrers_agency(client, make_user, login):
    from supermarket.support.agency_models import ReferralAgency

    referrer = make_user("referrer")
    agency = db.session.get(ReferralAgency, referrer.agency_id)
    login(make_user("admin"))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Sites or agency" in page
    assert agency.name in page
