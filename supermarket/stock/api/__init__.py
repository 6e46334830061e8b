"""JSON endpoints for the catalogue and each site's stock (site codes in the URL), one module
per part of stock as the views: catalogue, levels, reports, receiving, transfers, stocktake
and food_safety, all on one blueprint.

Each module registers its routes on the blueprint when imported, in the order below, which is
the order of the OpenAPI document's paths (and of the contract test's run): keep it.
"""

# isort: off
from supermarket.stock.api.base import bp
from supermarket.stock.api import catalogue  # noqa: F401
from supermarket.stock.api import levels  # noqa: F401
from supermarket.stock.api import reports  # noqa: F401
from supermarket.stock.api import receiving  # noqa: F401
from supermarket.stock.api import transfers  # noqa: F401
from supermarket.stock.api import stocktake  # noqa: F401
from supermarket.stock.api import food_safety  # noqa: F401

# isort: on

__all__ = ["bp"]
