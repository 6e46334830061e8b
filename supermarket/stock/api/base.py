"""The stock API's blueprint and what its endpoints share: the site from the URL, the
query arguments, and the shapes of acting on one site's stock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from supermarket.api_routes import ApiRoutes, Step, site_in_url
from supermarket.auth.models import Role
from supermarket.extensions import db

bp = Blueprint("stock_api", __name__, url_prefix="/api/v1")
# The prefix of the rules of the stock at one site.
SITE = "/sites/<code>"


def query_args(schema: Schema) -> dict[str, Any]:
    return dict(schema.load(request.args.to_dict()))


def saved(out: Schema, result: Any, status: int = 200) -> ResponseReturnValue:
    """Commit what the use case changed, then answer with its result dumped through `out`."""
    db.session.commit()
    return out.dump(result), status


class StockRoutes(ApiRoutes):
    """The stock API's endpoints, with the shape of reading one site's stock."""

    def site_read(
        self,
        rule: str,
        allowed: Sequence[Role],
        *,
        query: type[Schema] | None = None,
        ok: type[Schema],
    ) -> Callable[[Step], Step]:
        """A GET at the site in the URL: the guarded site and the query arguments through
        `query` (if any), then the decorated step(site, args, **path args) answers, as `ok`
        documents. The step's docstring is the endpoint's summary."""

        def decorate(step: Step) -> Step:
            @wraps(step)
            def view(code: str, **path: Any) -> ResponseReturnValue:
                site = site_in_url(code, allowed)
                args = None if query is None else query_args(query())
                return step(site, args, **path)

            return self.get(rule, allowed, query=query, ok=ok)(view)

        return decorate
