"""Administration: sites, staff accounts and the audit log (administrators only)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from supermarket.auth import services as auth
from supermarket.auth.models import AuditEvent, Role, User
from supermarket.auth.web import actor, roles
from supermarket.errors import DomainError, NotFound
from supermarket.extensions import db
from supermarket.formatting import LONDON
from supermarket.sites import services as sites
from supermarket.sites.codes import normalise_site_code
from supermarket.sites.models import Site

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@roles(Role.ADMIN)
def index() -> ResponseReturnValue:
    counts = {
        "sites": len(sites.list_sites()),
        "users": db.session.query(User).filter(User.active.is_(True)).count(),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/sites")
@roles(Role.ADMIN)
def site_list() -> ResponseReturnValue:
    return render_template("admin/sites.html", sites=sites.list_sites())


@bp.route("/sites/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def site_new() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        try:
            site = sites.create_site(
                code=f.get("code", ""),
                name=f.get("name", ""),
                address=f.get("address", ""),
                postcode=f.get("postcode", ""),
                timezone=f.get("timezone", "Europe/London"),
                actor=actor(),
            )
        except DomainError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()} or {"_": exc.message}
        else:
            db.session.commit()
            flash(f"{site.name} added. Now check its settings.", "info")
            return redirect(url_for("sites.settings", code=site.code), 303)
    return render_template("admin/site_form.html", site=None, errors=errors, form=request.form), (
        422 if errors else 200
    )


@bp.route("/sites/<code>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def site_edit(code: str) -> ResponseReturnValue:
    site = sites.get_site(code)
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        try:
            sites.update_site(
                site,
                name=f.get("name", ""),
                address=f.get("address", ""),
                postcode=f.get("postcode", ""),
                timezone=f.get("timezone", "Europe/London"),
                active=f.get("active") == "on",
                actor=actor(),
            )
        except DomainError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()} or {"_": exc.message}
        else:
            db.session.commit()
            flash(f"{site.name} saved.", "info")
            return redirect(url_for("admin.site_list"), 303)
    return render_template("admin/site_form.html", site=site, errors=errors, form=request.form), (
        422 if errors else 200
    )


@bp.get("/users")
@roles(Role.ADMIN)
def user_list() -> ResponseReturnValue:
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", users=users)


def _chosen_sites() -> list[Site]:
    codes = [normalise_site_code(code) for code in request.form.getlist("sites")]
    return list(db.session.scalars(select(Site).where(Site.code.in_(codes)))) if codes else []


@bp.route("/users/new", methods=["GET", "POST"])
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
                sites=_chosen_sites(),
                actor=actor(),
            )
        except DomainError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()} or {"_": exc.message}
        else:
            db.session.commit()
            return render_template("admin/user_created.html", user=user, password=password)
    return render_template(
        "admin/user_form.html",
        user=None,
        errors=errors,
        form=request.form,
        all_sites=sites.list_sites(),
        roles=list(Role),
    ), 422 if errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    errors: dict[str, str] = {}
    if request.method == "POST":
        f = request.form
        try:
            auth.update_user(
                user,
                name=f.get("name", ""),
                role=f.get("role", ""),
                sites=_chosen_sites(),
                active=f.get("active") == "on",
                actor=actor(),
            )
        except DomainError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.fields.items()} or {"_": exc.message}
        else:
            db.session.commit()
            flash(f"{user.name} saved.", "info")
            return redirect(url_for("admin.user_list"), 303)
    return render_template(
        "admin/user_form.html",
        user=user,
        errors=errors,
        form=request.form,
        all_sites=sites.list_sites(),
        roles=list(Role),
    ), 422 if errors else 200


def _parse_day(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=LONDON)


@bp.get("/audit")
@roles(Role.ADMIN)
def audit_log() -> ResponseReturnValue:
    args = request.args
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args.get("actor"):
        stmt = stmt.where(AuditEvent.actor_email.startswith(args["actor"].lower(), autoescape=True))
    if args.get("site"):
        code = normalise_site_code(args["site"])
        stmt = stmt.where(AuditEvent.site_id.in_(select(Site.id).where(Site.code == code)))
    start = _parse_day(args.get("from"))
    end = _parse_day(args.get("to"))
    if start:
        stmt = stmt.where(AuditEvent.at >= start)
    if end:
        stmt = stmt.where(AuditEvent.at < end + timedelta(days=1))
    page = db.paginate(stmt, per_page=50, error_out=False)
    site_codes = {row.id: row.code for row in db.session.execute(select(Site.id, Site.code))}
    base_args = {k: v for k, v in args.items() if k != "page"}
    return render_template(
        "admin/audit.html",
        page=page,
        args=args,
        site_codes=site_codes,
        all_sites=sites.list_sites(),
        base_args=base_args,
    )
