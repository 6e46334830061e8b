"""One declaration for each JSON endpoint: its method and rule on the blueprint, the roles
allowed (supermarket.auth.web.roles: 401 signed out, 403 and an audited access.denied for
another role) and its OpenAPI description (supermarket.http.api_doc), whose summary is the
view's docstring.

    api = ApiRoutes(bp, tag="members")

    @api.post("/<number>/renew", MANAGERS, ok=MemberOut)
    def renew(code: str, number: str) -> ResponseReturnValue:
        \"\"\"Extend the membership by the site's term.\"\"\"

is `@bp.post(...)`, `@roles(*MANAGERS)` and `@api_doc("Extend ...", tag="members")` one above
the other: the endpoint is named after the function, and routes register in the order the
module declares them. As with Flask's `bp.get`/`bp.post`, `api.get/post/put/patch/delete` are
`route` with the method given; `ok=X` documents `responses={200: X}` and `created=X`
`{201: X}` (`responses=` for any other answer, added after them). Beside it: the site of the
URL (`staff_site`) and one page of a list (`page`). Web layer only: services and models never
import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypedDict, TypeVar, Unpack

from flask import Blueprint
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from supermarket.auth.access import site_for_staff
from supermarket.auth.models import Role
from supermarket.auth.web import actor, roles
from supermarket.extensions import db
from supermarket.http import api_doc, json_body, keyset_page, page_limit
from supermarket.sites.models import Site

F = TypeVar("F", bound=Callable[..., Any])
Doc = type[Schema] | Schema | None
# Status -> the schema answered, a media type ("application/pdf") or what an error means.
Answers = dict[int, type[Schema] | Schema | str]
Step = Callable[..., Any]
Roles = Sequence[Role]
# Role tuples the API modules name besides supermarket.auth.web's.
ADMINS = (Role.ADMIN,)
EDITORS = (Role.SITE_MANAGER, Role.ADMIN)
LEADS = (Role.PROGRAMME_LEAD, Role.ADMIN)
PDF: Answers = {200: "application/pdf"}


class RouteDoc(TypedDict, total=False):
    """What `route` documents of an endpoint besides its method, rule and roles."""

    body: Doc
    body_required: bool
    query: Doc
    ok: Doc
    created: Doc
    responses: Answers | None
    tag: str | None


def page(
    stmt: Select[Any], key: InstrumentedAttribute[int], out: type[Schema], cursor: str | None
) -> dict[str, Any]:
    """One page of a list: its rows dumped through `out`, and the cursor of the next page."""
    rows, nxt = keyset_page(stmt, key, limit=page_limit(), cursor=cursor)
    return {"items": out(many=True).dump(rows), "next": nxt}


def answers(ok: Doc = None, created: Doc = None, responses: Answers | None = None) -> Answers:
    """The documented answers: `created` as 201, `ok` as 200, then `responses`."""
    found: Answers = {}
    if created is not None:
        found[201] = created
    if ok is not None:
        found[200] = ok
    return found | (responses or {})


def staff_site(code: str, *, managers_only: bool = False) -> Site:
    """The site of the URL's `<code>` if the actor works there (and manages it, if
    `managers_only`), else 404."""
    return site_for_staff(code, actor(), managers_only=managers_only)


def site_in_url(code: str, allowed: Sequence[Role]) -> Site:
    """The site of the URL's `<code>` if the actor works there (managers-only where
    volunteers may not call the endpoint), else 404."""
    return staff_site(code, managers_only=Role.VOLUNTEER not in allowed)


class ApiRoutes:
    """Declares a blueprint's API endpoints; `tag` is the OpenAPI tag of each unless one is
    given, and `prefix` (e.g. "/sites/<code>") comes before each rule."""

    def __init__(self, bp: Blueprint, *, tag: str | None = None, prefix: str = "") -> None:
        self.bp = bp
        self.tag = tag
        self.prefix = prefix

    def route(
        self,
        method: str,
        rule: str,
        allowed: Sequence[Role],
        *,
        body: Doc = None,
        body_required: bool = True,
        query: Doc = None,
        ok: Doc = None,
        created: Doc = None,
        responses: Answers | None = None,
        tag: str | None = None,
    ) -> Callable[[F], F]:
        """Declare `method rule` (after the routes' prefix) for `allowed`; the summary is the
        view's docstring (its lines joined)."""
        documents = answers(ok, created, responses) or None

        def decorate(fn: F) -> F:
            text = " ".join((fn.__doc__ or "").split())
            if not text:
                raise TypeError(f"{fn.__name__}: an API endpoint needs a docstring (its summary)")
            documented = api_doc(
                text,
                body=body,
                body_required=body_required,
                query=query,
                responses=documents,
                tag=tag or self.tag,
            )(fn)
            view = roles(*allowed)(documented)
            self.bp.add_url_rule(self.prefix + rule, view_func=view, methods=[method])
            return view

        return decorate

    def get(self, rule: str, allowed: Roles, **doc: Unpack[RouteDoc]) -> Callable[[F], F]:
        return self.route("GET", rule, allowed, **doc)

    def post(self, rule: str, allowed: Roles, **doc: Unpack[RouteDoc]) -> Callable[[F], F]:
        return self.route("POST", rule, allowed, **doc)

    def put(self, rule: str, allowed: Roles, **doc: Unpack[RouteDoc]) -> Callable[[F], F]:
        return self.route("PUT", rule, allowed, **doc)

    def patch(self, rule: str, allowed: Roles, **doc: Unpack[RouteDoc]) -> Callable[[F], F]:
        return self.route("PATCH", rule, allowed, **doc)

    def delete(self, rule: str, allowed: Roles, **doc: Unpack[RouteDoc]) -> Callable[[F], F]:
        return self.route("DELETE", rule, allowed, **doc)

    def site_change(
        self,
        method: str,
        rule: str,
        allowed: Sequence[Role],
        *,
        body: type[Schema] | None = None,
        ok: type[Schema] | None = None,
        created: type[Schema] | None = None,
    ) -> Callable[[Step], Step]:
        """An endpoint that changes something at the site in the URL (`<code>`): the site
        (managers-only where only managers may call it), the body through `body` (if any),
        then the decorated step(site, data, **path args), commit, and what the step returns
        dumped through `created` (201) or `ok` (200). The step's docstring is the endpoint's
        summary."""
        out = created or ok
        if out is None:
            raise TypeError("site_change: say what the endpoint answers (ok= or created=)")
        status = 200 if created is None else 201

        def decorate(step: Step) -> Step:
            @wraps(step)
            def view(code: str, **path: Any) -> ResponseReturnValue:
                site = site_in_url(code, allowed)
                data = None if body is None else body().load(json_body())
                result = step(site, data, **path)
                db.session.commit()
                return out().dump(result), status

            return self.route(method, rule, allowed, body=body, ok=ok, created=created)(view)

        return decorate
