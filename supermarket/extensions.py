"""Every Flask extension, created unbound and bound in create_app()."""

from __future__ import annotations

from typing import Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from supermarket.framework import LoginManager
from supermarket.models import Base, UTCDateTime
from supermarket.replica import RoutingSession

# RoutingSession: as Flask-SQLAlchemy's, but a reporting request may read from a replica.
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our UTC timestamp type as a plain DateTime so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


migrate = Migrate(compare_type=True, render_as_batch=True, render_item=_render_item)
login_manager = LoginManager()  # Flask-Login's, minus unused work (supermarket.framework)
csrf = CSRFProtect()
