"""A proxy collecting for a member: shown on the panel, recorded on the visit, counted as the
member's visit under the same limits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supermarket.errors import InvalidInput, RuleViolation
from supermarket.extensions import db
from supermarket.members.access_inputs import NewProxy
from supermarket.members.services import access
from supermarket.visits.models import Visit
from tests.conftest import csrf_token


def _proxy(desk, member, name="Jo Bloggs", relationship="neighbour"):
    proxy = access.add_proxy(member, NewProxy(name, relationship), actor=desk.volunteer)
    db.session.commit()
    return proxy


def test_the_panel_says_who_may_collect(desk, login, client, token_for):
    member = desk.member()
    proxy = _proxy(desk, member)
    login(desk.volunteer)
    html = client.get(f"/checkin/panel/{member.membership_number}").get_data(as_text=True)
    assert "May collect" in html
    assert "Jo Bloggs (neighbour)" in html
    assert "Collected by proxy: Jo Bloggs (neighbour)" in html
    body = client.get(
        f"/api/v1/sites/{desk.site.code}/checkin/{member.membership_number}",
        headers=token_for(desk.volunteer),
    ).json
    assert body["proxies"] == [{"id": proxy.id, "name": "Jo Bloggs", "relationship": "neighbour"}]


def test_a_proxys_collection_is_the_members_visit_and_meets_the_limit(desk, client, token_for):
    member = desk.member()
    proxy = _proxy(desk, member)
    path = f"/api/v1/sites/{desk.site.code}/visits"
    headers = token_for(desk.volunteer)
    first = client.post(
        path,
        json={"membership_number": member.membership_number, "proxy": proxy.id},
        headers={**headers, "Idempotency-Key": "proxy-key-0001"},
    )
    assert first.status_code == 201, first.json
    assert first.json["proxy"] == proxy.id
    visit = db.session.get(Visit, first.json["id"])
    assert (visit.member_id, visit.proxy_id) == (member.id, proxy.id)
    again = client.post(path, json={"membership_number": member.membership_number}, headers=headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "visit_limit_reached"
    with pytest.raises(RuleViolation):
        desk.check_in(member, proxy=proxy.id)


def test_someone_elses_proxy_is_refused_with_the_field(desk):
    member, other = desk.member(), desk.member()
    proxy = _proxy(desk, other)
    with pytest.raises(InvalidInput) as refused:
        desk.check_in(member, proxy=proxy.id)
    assert "proxy" in refused.value.fields
    assert db.session.scalar(select(Visit.id).where(Visit.member_id == member.id)) is None


def test_the_desk_form_records_the_proxy(desk, login, client):
    member = desk.member()
    proxy = _proxy(desk, member)
    login(desk.volunteer)
    response = client.post(
        "/checkin",
        data={
            "membership_number": member.membership_number,
            "idempotency_key": "form-proxy-0001",
            "band_red": "1",
            "payment_method": "cash",
            "amount": "3.50",
            "proxy": str(proxy.id),
            "csrf_token": csrf_token(client, "/checkin"),
        },
    )
    assert response.status_code in (200, 303), response.get_data(as_text=True)
    visit = db.session.scalar(select(Visit).where(Visit.member_id == member.id))
    assert visit is not None
    assert visit.proxy_id == proxy.id


def test_removing_a_proxy_keeps_the_visit_without_a_name(desk):
    member = desk.member()
    proxy = _proxy(desk, member)
    result = desk.check_in(member, proxy=proxy.id)
    access.remove_proxy(member, proxy.id, actor=desk.manager)
    db.session.commit()
    visit = db.session.get(Visit, result.visit_id)
    db.session.refresh(visit)
    assert visit.proxy_id is None
    assert visit.member_id == member.id
