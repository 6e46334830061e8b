"""Domain errors, mapped once to JSON for /api and to pages everywhere else."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# The error code of each HTTP status, in JSON answers and as domain errors' default.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


class DomainError(Exception):
    """A refusal a service raises; the request that caused it commits nothing."""

    status = 400
    code = "bad_request"

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, **kwargs: Any
    ) -> None:
        """`class NotFound(DomainError, status=404)`: its status, and its status's code unless
        `code` names another."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
            cls.code = code or _HTTP_CODES[status]

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.details = details or {}


class NotFound(DomainError, status=404):
    """No such thing, or none the user may know of."""


class PermissionDenied(DomainError, status=403):
    """The user may not do this."""


class RuleViolation(DomainError, status=409, code="rule_violation"):
    """A business rule refused the action (weekly limit, expired membership, ...)."""


class Conflict(DomainError, status=409):
    """The change clashes with what is stored (a code or email taken, ...)."""


class InvalidInput(DomainError, status=422):
    """Input a schema accepted in shape but a rule refused, with the fields at fault."""


def wants_json() -> bool:
    """API paths always answer JSON; pages answer HTML."""
    return request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def json_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Any:
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Map domain, validation and HTTP errors once for the whole app."""
    from supermarket.extensions import db

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        if wants_json():
            body = error_body(error.code, error.message, error.fields)
            if error.details:
                body["error"]["details"] = error.details
            return jsonify(body), error.status
        if error.status in (404, 403, 401):
            return render_template(f"errors/{error.status}.html"), error.status
        flash(error.message, "error")
        return redirect(request.referrer or "/"), 303

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> ResponseReturnValue:
        db.session.rollback()
        fields = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        if wants_json():
            return json_error(422, "validation_error", "The request has invalid fields.", fields)
        flash("Some fields need correcting.", "error")
        return redirect(request.referrer or "/"), 303

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        # Keep what the error says in its headers (405's Allow, 429's Retry-After).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if wants_json():
            code = _HTTP_CODES.get(status, "error")
            return json_error(status, code, error.description or error.name), headers
        template = status if status in (400, 401, 403, 404, 405, 413, 429) else "generic"
        return (
            render_template(f"errors/{template}.html", error=error, status=status),
            status,
            headers,
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # Never a stack trace to the user; the log has it.
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if wants_json():
            return json_error(500, "internal_error", "Something went wrong on our side.")
        return render_template("errors/500.html"), 500
