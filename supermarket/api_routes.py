"""One declaration for each JSON endpoint: its method and rule on the blueprint, the roles
allowed (supermarket.auth.web.roles: 401 signed out, 403 and an audited access.denied for
another role) and its OpenAPI description (supermarket.http.api_doc), whose summary is the
view's docstring.

    api = ApiRoutes(bp, tag="members")

    @api.route("POST", "/<number>/renew", MANAGERS, responses={200: MemberOut})
    def renew(code: str, number: str) -> ResponseReturnValue:
        \"\"\"Extend the membership by the site's term.\"\"\"

is `@bp.post(...)`, `@roles(*MANAGERS)` and `@api_doc("Extend ...", tag="members")` one above
the other: the endpoint is named after the function, and routes register in the order the
module declares them. Web layer only: services and models never import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from supermarket.auth.access import site_for_staff
from supermarket.auth.models import Role
from supermarket.auth.web import MANAGERS, actor, roles
from supermarket.extensions import db
from supermarket.http import api_doc, json_body
from supermarket.sites.models import Site

F = TypeVar("F", bound=Callable[..., Any])
Doc = type[Schema] | Schema | None
# Status -> the schema answered, a media type ("application/pdf") or what an error means.
Answers = dict[int, type[Schema] | Schema | str]
Step = Callable[..., Any]


def site_in_url(code: str, allowed: Sequence[Role]) -> Site:
    """The site of the URL's `<code>` if the actor works there (managers-only where only
    managers may call the endpoint), else 404."""
    return site_for_staff(code, actor(), managers_only=tuple(allowed) == MANAGERS)


class ApiRoutes:
    """Declares a blueprint's API endpoints; `tag` is the OpenAPI tag of each unless one is
    given."""

    def __init__(self, bp: Blueprint, *, tag: str | None = None) -> None:
        self.bp = bp
        self.tag = tag

    def route(
        self,
        method: str,
        rule: str,
        allowed: Sequence[Role],
        *,
        body: Doc = None,
        body_required: bool = True,
        query: Doc = None,
        responses: Answers | None = None,
        tag: str | None = None,
    ) -> Callable[[F], F]:
        """Declare `method rule` for `allowed`; the summary is the view's docstring (its lines
        joined)."""

        def decorate(fn: F) -> F:
            text = " ".join((fn.__doc__ or "").split())
            if not text:
                raise TypeError(f"{fn.__name__}: an API endpoint needs a docstring (its summary)")
            documented = api_doc(
                text,
                body=body,
                body_required=body_required,
                query=query,
                responses=responses,
                tag=tag or self.tag,
            )(fn)
            view = roles(*allowed)(documented)
            self.bp.add_url_rule(rule, view_func=view, methods=[method])
            return view

        return decorate

    def site_change(
        self,
        method: str,
        rule: str,
        allowed: Sequence[Role],
        *,
        body: type[Schema] | None = None,
        out: type[Schema],
        status: int = 200,
    ) -> Callable[[Step], Step]:
        """An endpoint that changes something at the site in the URL (`<code>`): the site
        (managers-only where only managers may call it), the body through `body` (if any),
        then the decorated step(site, data, **path args), commit, and what the step returns
        dumped through `out`, with `status`. The step's docstring is the endpoint's summary."""

        def decorate(step: Step) -> Step:
            @wraps(step)
            def view(code: str, **path: Any) -> ResponseReturnValue:
                site = site_in_url(code, allowed)
                data = None if body is None else body().load(json_body())
                result = step(site, data, **path)
                db.session.commit()
                return out().dump(result), status

            responses: Answers = {status: out}
            return self.route(method, rule, allowed, body=body, responses=responses)(view)

        return decorate
