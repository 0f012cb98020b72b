"""The synthetic company: an omnichannel seller of home appliances and smart-home devices.

Importing this package registers every table's schema and generator. Build with
:func:`build_world`; read tables with :func:`cxlabs.load`.
"""

from cxlabs.world import (  # noqa: F401  (registers tables)
    aftercare,
    commerce,
    contact_centre,
    data_protection,
    decisions,
    digital,
    experiments,
    finance,
    governance,
    identity_review,
    inventory,
    journeys,
    marketing,
    markets,
    offers,
    operating_model,
    people,
    privacy,
    quality,
    service,
    voice,
)
from cxlabs.world.build import all_tables, build_world, content_hash
from cxlabs.world.registry import (
           DEFAULT_CUSTOMERS,
           DEFAULT_SEED,
           HISTORY_END,
           HISTORY_START,
           REGISTRY,
)

__all__ = ["build_world", "all_tables", "content_hash", "REGISTRY", "DEFAULT_SEED",
           "DEFAULT_CUSTOMERS", "HISTORY_START", "HISTORY_END"]
