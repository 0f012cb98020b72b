"""cxlabs: hands-on labs in customer-centric operations, on one synthetic company.

>>> import cxlabs
>>> orders = cxlabs.load("orders")          # builds the data once if it is missing
>>> cxlabs.describe("orders")               # what every column means
"""

from cxlabs.loading import (
    DataError,
    UnknownTableError,
    data_dir,
    describe,
    ensure_world,
    load,
    table_names,
    world_info,
)
from cxlabs.schema import MissingColumnError, SchemaError, require_columns

__version__ = "0.1.0"

__all__ = ["load", "describe", "table_names", "data_dir", "ensure_world", "world_info",
           "require_columns", "UnknownTableError", "MissingColumnError", "DataError", "SchemaError"]
