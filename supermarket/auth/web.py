"""Route guards: every route needs a login and a role unless marked public."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, request, session
from flask_login import current_user

from supermarket.auth.access import staff_sites
from supermarket.auth.models import Role, User
from supermarket.errors import NotFound
from supermarket.sites.models import Site

F = TypeVar("F", bound=Callable[..., Any])

# The programme's own staff: every role but an agency's referrers, who reach only their own
# pages (supermarket.support) and those every account has (EVERY_ROLE: home, account, /me).
ALL_ROLES = tuple(r for r in Role if r.is_programme_staff)
EVERY_ROLE = tuple(Role)
STAFF = (Role.VOLUNTEER, Role.SITE_MANAGER)
MANAGERS = (Role.SITE_MANAGER,)
REPORTERS = (Role.SITE_MANAGER, Role.PROGRAMME_LEAD, Role.ADMIN)


def public(fn: F) -> F:
    """Allow a route without signing in (login page, health check, static files)."""
    fn._public = True  # type: ignore[attr-defined]
    return fn


def roles(*allowed: Role) -> Callable[[F], F]:
    """Require a signed-in user with one of these roles (403 otherwise)."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                abort(401)
            if Role(current_user.role) not in allowed:
                from supermarket.auth import audit

                audit.record_now(
                    "access.denied",
                    actor=actor(),
                    object_type="endpoint",
                    object_id=request.endpoint or "",
                )
                abort(403)
            return fn(*args, **kwargs)

        wrapper._roles = allowed  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def actor() -> User:
    """The signed-in user, typed, for passing to services."""
    return cast(User, current_user._get_current_object())


SITE_SESSION_KEY = "site"
SITE_COOKIE = "site_code"


def current_site() -> Site | None:
    """The site the signed-in staff member is working at (chosen once per session)."""
    if "current_site" in g:
        return cast(Site | None, g.current_site)
    site = None
    if current_user.is_authenticated:
        code = session.get(SITE_SESSION_KEY)
        choices = staff_sites(actor())
        site = next((s for s in choices if s.code == code), None)
        if site is None and len(choices) == 1:
            site = choices[0]
    g.current_site = site
    return site


def require_current_site() -> Site:
    site = current_site()
    if site is None:
        raise NotFound("Choose the site you are working at first.", code="no_site_chosen")
    return site
