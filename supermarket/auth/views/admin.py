"""Administration (administrators only): the administration home, staff accounts and the
audit log. The sites' pages are with the sites, in `supermarket.sites.views`."""

from __future__ import annotations

import secrets
from datetime import date

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from supermarket.auth import audit
from supermarket.auth import services as auth
from supermarket.auth.models import Role, User
from supermarket.auth.views import bp
from supermarket.auth.web import actor, roles
from supermarket.errors import DomainError
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_errors, form_page


@bp.get("/admin")
@roles(Role.ADMIN)
def admin_home() -> ResponseReturnValue:
    return render_template("admin/index.html", counts=auth.admin_counts())


@bp.get("/admin/users")
@roles(Role.ADMIN)
def user_list() -> ResponseReturnValue:
    agencies = dict(auth.agency_choices())  # a referrer's agency, by name
    return render_template("admin/users.html", users=auth.list_users(), agencies=agencies)


def _user_form(user: User | None, errors: dict[str, str]) -> ResponseReturnValue:
    return form_page(
        "admin/user_form.html",
        errors,
        user=user,
        form=request.form,
        all_sites=auth.all_sites(),
        roles=Role.choices(),
        agencies=auth.agency_choices(),
    )


def _agency_id(text: str | None) -> int | None:
    """The agency chosen on the form (a referrer's), or None."""
    digits = (text or "").strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_new() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        # The admin never chooses or sees a password: a one-time one is shown to hand over.
        password = "-".join(secrets.token_urlsafe(4) for _ in range(4))
        try:
            user = auth.create_user(
                email=f.get("email", ""),
                name=f.get("name", ""),
                role=f.get("role", ""),
                password=password,
                sites=auth.sites_with_codes(f.getlist("sites")),
                agency_id=_agency_id(f.get("agency")),
                actor=actor(),
            )
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            db.session.commit()
            return render_template("admin/user_created.html", user=user, password=password)
    return _user_form(None, errors)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = auth.get_user(user_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        try:
            auth.update_user(
                user,
                name=f.get("name", ""),
                role=f.get("role", ""),
                sites=auth.sites_with_codes(f.getlist("sites")),
                active=f.get("active") == "on",
                actor=actor(),
                agency_id=_agency_id(f.get("agency")),
            )
        except DomainError as exc:
            errors = form_errors(exc)
        else:
            return commit_and_redirect(f"{user.name} saved.", url_for("auth.user_list"))
    return _user_form(user, errors)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/admin/audit")
@roles(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    args = request.args
    stmt = audit.search(
        action=args.get("action", ""),
        actor_email=args.get("actor", ""),
        site_code=args.get("site", ""),
        start=_day(args.get("from")),
        end=_day(args.get("to")),
        member=args.get("member", ""),
    )
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template(
        "admin/audit.html",
        page=page,
        entries=audit.entries(page.items, viewer_role=actor().role),
        actions=audit.action_choices(),
        args=args,
        site_codes=audit.site_codes(),
        all_sites=auth.all_sites(),
        base_args={k: v for k, v in args.items() if k != "page"},
    )
