"""Community supermarket system: create_app() builds the Flask application."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from supermarket.config import INSTANCE, ROOT, check_production, from_environment
from supermarket.framework import App
from supermarket.serialise import JSONProvider


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application from the environment, overridden by test_config."""
    app = App(  # Flask, minus per-request work whose answer cannot change (framework)
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE),
        instance_relative_config=True,
    )
    app.json = JSONProvider(app)
    app.config.from_mapping(from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    check_production(app.config)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    _configure_logging(app)

    from supermarket import http, web

    http.register_input_rules(app)
    web.register_extensions(app)
    web.register_request_hooks(app)
    web.register_blueprints(app)
    web.register_template_helpers(app)
    web.register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s %(message)s",
        )
    app.logger.setLevel(logging.INFO)
