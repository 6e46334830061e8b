"""JSON endpoints for the signed-in user."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from supermarket.auth.schemas import MeOut
from supermarket.auth.web import ALL_ROLES, actor, roles
from supermarket.http import api_doc

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


@bp.get("/me")
@roles(*ALL_ROLES)
@api_doc(
    "The signed-in user or token owner: email, name, role and site codes.",
    responses={200: MeOut},
    tag="auth",
)
def me() -> ResponseReturnValue:
    return MeOut().dump(actor())
