"""Sign-in, sign-out, the second factor, choosing a site and the user's own account; the
administration pages for staff accounts and the audit log are in `admin`, on the same
blueprint."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from supermarket.auth import audit, throttle
from supermarket.auth import services as auth
from supermarket.auth.access import staff_sites
from supermarket.auth.models import Role, User
from supermarket.auth.passwords import password_problems
from supermarket.auth.redirects import safe_next
from supermarket.auth.web import EVERY_ROLE, SITE_COOKIE, SITE_SESSION_KEY, actor, public, roles
from supermarket.errors import InvalidInput
from supermarket.extensions import db
from supermarket.forms import commit_and_redirect, form_page
from supermarket.sites.codes import normalise_site_code
from supermarket.transactions import late_write_lock, take_write_lock

bp = Blueprint("auth", __name__)

PENDING = "pending_auth"
# Home pages by role, most specific first; later features add theirs by endpoint name.
HOME_ENDPOINTS: dict[str, tuple[str, ...]] = {
    Role.VOLUNTEER: ("visits.checkin", "auth.home"),
    Role.SITE_MANAGER: ("visits.checkin", "auth.home"),
    Role.PROGRAMME_LEAD: ("reporting.programme", "auth.home"),
    Role.ADMIN: ("auth.admin_home",),
    Role.REFERRER: ("support_agencies.referrer_home", "auth.home"),
}


def home_for(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return url_for("auth.login")
    for endpoint in HOME_ENDPOINTS[Role(user.role)]:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("auth.home")


def _address() -> str:
    return request.remote_addr or ""


def _device() -> throttle.Device | None:
    return throttle.read_device(request.cookies.get(throttle.device_cookie_name()))


def _too_many(wait: int) -> str:
    return f"Too many attempts that were not right. Try again {throttle.retry_phrase(wait)}."


def _refused(template: str, wait: int, **context: Any) -> ResponseReturnValue:
    """The form again, saying when to try again (429 with Retry-After)."""
    page = render_template(template, **context)
    return page, 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
@public
@late_write_lock  # the password is hashed before the write lock is taken
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    error = None
    email = request.form.get("email", "")
    if request.method == "POST":
        budgets = throttle.for_password(address=_address(), email=email, device=_device())
        wait = throttle.wait_seconds(budgets)
        if not wait:
            user = auth.check_password(email, request.form.get("password", ""))
            take_write_lock()
            wait = throttle.settle(budgets, failed=user is None)
        if wait:
            db.session.rollback()
            return _refused("auth/login.html", wait, error=_too_many(wait), email=email)
        if user is not None:
            auth.upgrade_password_hash(user, request.form.get("password", ""))
            return _begin_session(user)
        audit.record("login.failed", actor=None, actor_email=email.strip().lower()[:254])
        db.session.commit()
        error = "That email and password do not match an active account."
    return render_template("auth/login.html", error=error, email=email), 401 if error else 200


def _begin_session(user: User) -> ResponseReturnValue:
    needs_code = auth.mfa_required(user, deployment_requires=current_app.config["MFA_REQUIRED"])
    next_url = safe_next(request.args.get("next"))
    chosen_site = request.cookies.get(SITE_COOKIE)
    session.clear()  # a fresh session at sign-in: nothing from before survives
    token = auth.start_session(user, ip=request.remote_addr or "", mfa_passed=not needs_code)
    if needs_code:
        session[PENDING] = token
        session["next"] = next_url
        db.session.commit()
        if user.totp_secret:
            return redirect(url_for("auth.verify"), 303)
        return redirect(url_for("auth.enrol"), 303)
    return _complete(user, token, next_url, chosen_site)


def _complete(
    user: User, token: str, next_url: str | None, chosen: str | None
) -> ResponseReturnValue:
    user.auth_session_id = token
    login_user(user)
    codes = [s.code for s in staff_sites(user)]
    if chosen in codes:
        session[SITE_SESSION_KEY] = chosen
    elif len(codes) == 1:
        session[SITE_SESSION_KEY] = codes[0]
    audit.record("login.succeeded", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    if Role(user.role).works_at_sites and len(codes) > 1 and SITE_SESSION_KEY not in session:
        response = redirect(url_for("auth.choose_site"), 303)
    else:
        response = redirect(next_url or home_for(user), 303)
    # This browser now counts as one of the account's devices for the sign-in throttle.
    value, max_age = throttle.device_cookie(_device(), user.email)
    response.set_cookie(
        throttle.device_cookie_name(),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _pending_user() -> tuple[User, str] | None:
    token = session.get(PENDING)
    if not token:
        return None
    from datetime import timedelta

    found = auth.load_session(token, idle=timedelta(minutes=10), absolute=timedelta(minutes=10))
    if found is None:
        return None
    return found.user, token


@bp.route("/login/verify", methods=["GET", "POST"])
@public
def verify() -> ResponseReturnValue:
    pending = _pending_user()
    if pending is None:
        return redirect(url_for("auth.login"))
    user, token = pending
    error = None
    if request.method == "POST":
        budgets = throttle.for_code(address=_address(), user_id=user.id)
        wait = throttle.wait_seconds(budgets)
        if not wait:
            passed = auth.verify_totp(user, request.form.get("code", ""))
            wait = throttle.settle(budgets, failed=not passed)
        if wait:
            db.session.rollback()
            return _refused("auth/verify.html", wait, error=_too_many(wait))
        if passed:
            return _mark_passed_and_complete(user, token)
        audit.record("login.mfa_failed", actor=user, object_type="user", object_id=user.id)
        db.session.commit()
        error = "That code is not right, or it has already been used. Wait for the next one."
    return render_template("auth/verify.html", error=error), 401 if error else 200


def _mark_passed_and_complete(user: User, token: str) -> ResponseReturnValue:
    auth.mark_mfa_passed(token)
    next_url = session.pop("next", None)
    session.pop(PENDING, None)
    return _complete(user, token, next_url, request.cookies.get(SITE_COOKIE))


def _qr_svg(data: str) -> Markup:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return Markup(svg[svg.index("<svg") :])  # noqa: S704 - generated by qrcode, no user data


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol() -> ResponseReturnValue:
    """Set up the second factor during sign-in, where the deployment requires one."""
    pending = _pending_user()
    if pending is None:
        return redirect(url_for("auth.login"))
    user, token = pending
    secret = session.get("enrol_secret") or auth.new_totp_secret()
    session["enrol_secret"] = secret
    error = None
    status = 200
    if request.method == "POST":
        budgets = throttle.for_code(address=_address(), user_id=user.id)
        wait = throttle.wait_seconds(budgets)
        if not wait:
            try:
                auth.enable_totp(user, secret, request.form.get("code", ""))
            except InvalidInput as exc:
                error, status = exc.message, 422
            wait = throttle.settle(budgets, failed=error is not None)
        if wait:
            db.session.rollback()
            error, status = _too_many(wait), 429
        elif error is None:
            session.pop("enrol_secret", None)
            return _mark_passed_and_complete(user, token)
        else:
            db.session.commit()
    uri = auth.totp_uri(user, secret, current_app.config["PROGRAMME_NAME"])
    page = render_template(
        "auth/enrol.html", secret=secret, qr=_qr_svg(uri), error=error, during_login=True
    )
    return page, status, {"Retry-After": str(wait)} if status == 429 else {}


@bp.post("/logout")
@public
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated and current_user.get_id():
        auth.end_session(current_user.get_id())
        audit.record("logout", actor=actor(), object_type="user", object_id=current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.get("/home")
@roles(*EVERY_ROLE)
def home() -> ResponseReturnValue:
    """The role's jobs as big links (an administrator's with the counts of /admin)."""
    if current_user.role == Role.ADMIN:
        return render_template("auth/home.html", counts=auth.admin_counts())
    return render_template("auth/home.html")


@bp.route("/site", methods=["GET", "POST"])
@roles(Role.VOLUNTEER, Role.SITE_MANAGER)
def choose_site() -> ResponseReturnValue:
    choices = staff_sites(actor())
    if request.method == "POST":
        code = normalise_site_code(request.form.get("site", ""))
        if code in {s.code for s in choices}:
            session[SITE_SESSION_KEY] = code
            response = redirect(home_for(current_user), 303)
            # The shared tablet remembers its site; the code is not personal data.
            response.set_cookie(
                SITE_COOKIE,
                code,
                max_age=365 * 86400,
                httponly=True,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
            return response
        flash("Choose one of your sites.", "error")
    return render_template("auth/choose_site.html", choices=choices)


@bp.route("/account", methods=["GET", "POST"])
@roles(*EVERY_ROLE)
@late_write_lock  # the current password is hashed before the write lock is taken
def account() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    user = actor()
    if request.method == "POST":
        # Asking for the current password is a sign-in attempt: the same budgets pay for it.
        budgets = throttle.for_password(address=_address(), email=user.email, device=_device())
        wait = throttle.wait_seconds(budgets)
        if not wait:
            current = request.form.get("current_password", "")
            right = auth.check_password(user.email, current) is not None
            take_write_lock()
            wait = throttle.settle(budgets, failed=not right)
        if wait:
            db.session.rollback()
            errors["current_password"] = _too_many(wait)
            return _refused("auth/account.html", wait, errors=errors)
        if not right:
            audit.record("password.check_failed", actor=user, object_type="user", object_id=user.id)
            db.session.commit()
            errors["current_password"] = "Your current password is not right."
        elif request.form.get("new_password") != request.form.get("confirm_password"):
            errors["confirm_password"] = "The two new passwords are different."
            # Say at once, too, what is wrong with the new one (all the form's errors at once).
            weak = password_problems(
                request.form.get("new_password", ""),
                context_words=[user.email.split("@")[0], *user.name.split()],
                email=user.email,
            )
            if weak:
                errors = {"new_password": " ".join(weak), **errors}
        else:
            try:
                auth.set_password(user, request.form.get("new_password", ""), actor=user)
            except InvalidInput as exc:
                errors["new_password"] = exc.message
            else:
                # Other devices are signed out; this one starts a fresh session.
                token = auth.start_session(user, ip=request.remote_addr or "", mfa_passed=True)
                session.clear()
                user.auth_session_id = token
                login_user(user)
                return commit_and_redirect(
                    "Your password has been changed. Other devices have been signed out.",
                    url_for("auth.account"),
                )
        db.session.rollback()
    return form_page("auth/account.html", errors)


@bp.route("/account/mfa", methods=["GET", "POST"])
@roles(*EVERY_ROLE)
def mfa() -> ResponseReturnValue:
    user = actor()
    secret = session.get("enrol_secret") or auth.new_totp_secret()
    session["enrol_secret"] = secret
    error = None
    if request.method == "POST":
        try:
            auth.enable_totp(user, secret, request.form.get("code", ""))
        except InvalidInput as exc:
            error = exc.message
        else:
            session.pop("enrol_secret", None)
            return commit_and_redirect(
                "Two-step sign-in is on. You will be asked for a code each time.",
                url_for("auth.account"),
            )
    uri = auth.totp_uri(user, secret, current_app.config["PROGRAMME_NAME"])
    return render_template(
        "auth/enrol.html", secret=secret, qr=_qr_svg(uri), error=error, during_login=False
    ), 422 if error else 200


from supermarket.auth.views import admin  # noqa: E402 - the module adds routes to bp above

__all__ = ["HOME_ENDPOINTS", "admin", "bp", "home_for"]
