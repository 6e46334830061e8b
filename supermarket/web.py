"""The small register_*() steps create_app() is made of."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from supermarket import replica
from supermarket.errors import json_error, register_error_handlers
from supermarket.extensions import csrf, db, login_manager, migrate
from supermarket.framework import SessionInterface
from supermarket.transactions import begin_request, configure, end_request, finish_read_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The blueprints whose figures may be read from a reporting replica (supermarket/replica.py).
REPORTING_BLUEPRINTS = frozenset({"reporting", "reporting_api"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

# Set on every response unless the view set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def register_extensions(app: Flask) -> None:
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
    app.session_interface = SessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # our sessions are server-side records
    with app.app_context():
        configure(db.engine)
    from supermarket.auth.models import ACCESS_TABLES

    replica.init_app(app, primary_only_tables=ACCESS_TABLES)
    _register_login_loaders(app)
    register_error_handlers(app)


def _register_login_loaders(app: Flask) -> None:
    from supermarket.auth import services as auth

    @login_manager.user_loader
    def _load_user(session_id: str) -> Any:
        if _bearer():
            # A request that names a token is the token's alone: never the cookie's, which
            # the browser adds by itself (and which CSRF protection would then not cover).
            return None
        found = auth.load_session(
            session_id,
            idle=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
            absolute=timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
        )
        if found is None or not found.mfa_passed:
            return None
        return found.user

    @login_manager.request_loader
    def _load_from_token(req: Any) -> Any:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user = auth.user_for_token(header[7:].strip())
        if user is not None:
            user.via_token = True
        return user

    @login_manager.unauthorized_handler
    def _unauthorized() -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return json_error(401, "unauthenticated", "Sign in or send a valid API token.")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )


def _bearer() -> bool:
    return request.headers.get("Authorization", "").startswith("Bearer ")


def register_request_hooks(app: Flask) -> None:
    from supermarket.auth.audit import Origin, current_origin

    @app.before_request
    def _origin_and_locks() -> None:
        current_origin.set(
            Origin(ip=request.remote_addr or "", user_agent=request.user_agent.string[:200])
        )
        begin_request(request.method, app.view_functions.get(request.endpoint or ""))

    @app.before_request
    def _reporting_reads() -> None:
        # The figures' reads may go to a reporting replica (never a change, never sign-in).
        if request.blueprint in REPORTING_BLUEPRINTS and request.method in SAFE_METHODS:
            replica.begin_reporting_request(app, db.engine)

    @app.after_request
    def _figures_source(response: Any) -> Any:
        found = replica.figures_source()
        if found is not None:
            response.headers["X-Figures-Source"] = found.source
            response.headers["X-Figures-As-Of"] = found.as_of.isoformat(timespec="seconds")
        return response

    @app.before_request
    def _login_required_by_default() -> ResponseReturnValue | None:
        # Before CSRF: a caller who is not signed in is told so (401), not that a form expired.
        view = app.view_functions.get(request.endpoint or "")
        if view is None or getattr(view, "_public", False) or request.endpoint == "static":
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.before_request
    def _csrf_unless_token() -> None:
        # A bearer-token call is authenticated by its token alone (the cookie is ignored, see
        # _load_user), and a token is never sent by a browser on its own: nothing to forge.
        if request.method not in SAFE_METHODS and not _bearer():
            csrf.protect()

    @app.after_request
    def _security_headers(response: Any) -> Any:
        # Each header unless the view set its own: the names present read once (a setdefault
        # each would search the headers each time, on every response).
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        wanted = list(SECURITY_HEADERS)
        if app.config["PRODUCTION"] or request.is_secure:
            hsts = f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
            wanted.append(("Strict-Transport-Security", hsts))
        if request.endpoint not in ("static", "service_worker"):
            # Pages, exports and PDFs may hold personal data: never cache them.
            headers["Cache-Control"] = "no-store"
            wanted.append(("Pragma", "no-cache"))
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response

    @app.after_request
    def _write_what_a_read_kept_aside(response: Any) -> Any:
        finish_read_request()
        return response

    @app.teardown_request
    def _end_request(_exc: BaseException | None) -> None:
        end_request()
        replica.end_reporting_request()


def _connect_domains() -> None:
    """Checks one domain offers another that may not import it: the survey's support
    question is asked only of members signposted or referred before (support's check)."""
    from supermarket.support.services import had_support_before
    from supermarket.surveys.services import SUPPORT_CHECKS

    if had_support_before not in SUPPORT_CHECKS:
        SUPPORT_CHECKS.append(had_support_before)


def register_blueprints(app: Flask) -> None:
    from supermarket.auth.api import bp as auth_api
    from supermarket.auth.views import bp as auth_views
    from supermarket.members.api import bp as members_api
    from supermarket.members.views import bp as members_views
    from supermarket.offline.api import bp as offline_api
    from supermarket.offline.views import bp as offline_views
    from supermarket.openapi import bp as openapi_bp
    from supermarket.reporting.api import bp as reporting_api
    from supermarket.reporting.views import bp as reporting_views
    from supermarket.sites.api import bp as sites_api
    from supermarket.sites.views import bp as sites_views
    from supermarket.stock.api import bp as stock_api
    from supermarket.stock.views import bp as stock_views
    from supermarket.support.api import bp as support_api
    from supermarket.support.api_inbound import bp as support_agencies_api
    from supermarket.support.views import bp as support_views
    from supermarket.support.views_inbound import bp as support_agencies_views
    from supermarket.surveys.api import bp as surveys_api
    from supermarket.surveys.views import bp as surveys_views
    from supermarket.visits.api import bp as visits_api
    from supermarket.visits.api_anonymous import bp as anonymous_visits_api
    from supermarket.visits.views import bp as visits_views
    from supermarket.visits.views_anonymous import bp as anonymous_visits_views
    from supermarket.visits.views_payments import bp as visit_payments_views

    for blueprint in (
        auth_views,
        sites_views,
        auth_api,
        sites_api,
        openapi_bp,
        members_views,
        members_api,
        stock_views,
        stock_api,
        surveys_views,
        surveys_api,
        visits_views,
        visits_api,
        anonymous_visits_views,
        anonymous_visits_api,
        visit_payments_views,
        offline_views,
        offline_api,
        reporting_views,
        reporting_api,
        support_views,
        support_api,
        support_agencies_views,
        support_agencies_api,
    ):
        app.register_blueprint(blueprint)

    _connect_domains()
    from supermarket.auth.web import public

    @app.get("/healthz")
    @public
    def healthz() -> ResponseReturnValue:
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            return jsonify(status="unavailable"), 503
        return jsonify(status="ok")

    @app.get("/sw.js")
    @public
    def service_worker() -> ResponseReturnValue:
        # The desk's service worker (a static file) at the root, so that its scope may be "/".
        script = Path(app.static_folder or "", "js", "sw.js").read_bytes()
        response = app.response_class(script, content_type="text/javascript; charset=utf-8")
        response.headers["Service-Worker-Allowed"] = "/"
        response.headers["Cache-Control"] = "no-cache"
        return response

    from supermarket.auth.web import EVERY_ROLE, roles

    @app.get("/")
    @roles(*EVERY_ROLE)
    def index() -> ResponseReturnValue:
        from supermarket.auth.views import home_for

        return redirect(home_for(current_user))


def register_template_helpers(app: Flask) -> None:
    from supermarket.auth.models import Role
    from supermarket.auth.web import current_site
    from supermarket.formatting import register_filters
    from supermarket.navigation import HOME_JOBS, NAV_ITEMS

    register_filters(app)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "current_site": current_site,
            "Role": Role,
            "g": g,
            "session": session,
            "nav_items": NAV_ITEMS,
            "home_jobs": HOME_JOBS,
            "nav_endpoints": app.view_functions,
            "figures_source": replica.figures_source,
        }


def register_cli(app: Flask) -> None:
    from supermarket.cli import register_commands

    register_commands(app)
