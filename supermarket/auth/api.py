"""JSON endpoints for the signed-in user."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from supermarket.api_routes import ApiRoutes
from supermarket.auth.schemas import MeOut
from supermarket.auth.web import EVERY_ROLE, actor

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")
api = ApiRoutes(bp, tag="auth")


@api.get("/me", EVERY_ROLE, ok=MeOut)
def me() -> ResponseReturnValue:
    """The signed-in user or token owner: email, name, role and site codes."""
    return MeOut().dump(actor())
