"""Loading and the command line: typed tables, and clear errors for bad input."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import cxlabs
from cxlabs import cli
from cxlabs.loading import DataError, UnknownTableError
from cxlabs.schema import MissingColumnError, SchemaError, require_columns


def test_load_returns_typed_frames(world42, use_world):
    use_world(world42)
    orders = cxlabs.load("orders")
    assert str(orders["ordered_at"].dtype) == "datetime64[us]"
    assert str(orders["order_id"].dtype) == "int64"
    assert str(orders["channel"].dtype) == "str"
    assert list(orders.columns) == cxlabs.describe("orders").index.tolist()


def test_load_some_columns(world42, use_world):
    use_world(world42)
    assert list(cxlabs.load("orders", columns=["order_id", "status"]).columns) == ["order_id", "status"]


def test_unknown_table_lists_known_ones_and_suggests(world42, use_world):
    use_world(world42)
    with pytest.raises(UnknownTableError) as err:
        cxlabs.load("order")
    message = str(err.value)
    assert "Did you mean 'orders'?" in message
    assert "customers" in message and "shipments" in message


def test_unknown_column_is_named(world42, use_world):
    use_world(world42)
    with pytest.raises(MissingColumnError, match=r"no column\(s\) \['total'\]"):
        cxlabs.load("orders", columns=["order_id", "total"])


def test_damaged_file_gives_a_rebuild_hint(world42, tmp_path, use_world):
    broken = tmp_path / "world"
    shutil.copytree(world42, broken)
    (broken / "orders.parquet").write_bytes(b"not parquet at all")
    use_world(broken)
    with pytest.raises(DataError, match="cxlabs data build"):
        cxlabs.load("orders")


def test_missing_data_is_built_once_with_a_message(tmp_path, use_world, capsys, monkeypatch):
    monkeypatch.setenv("CXLABS_SEED", "11")
    folder = use_world(tmp_path / "fresh")
    customers = cxlabs.load("customers")
    assert len(customers) == 10_000
    assert "building it now" in capsys.readouterr().err
    assert cxlabs.world_info()["seed"] == 11
    cxlabs.load("orders")
    assert "building" not in capsys.readouterr().err, "the world must be built only once"
    assert (folder / "world.json").is_file()


def test_require_columns_names_what_is_missing():
    with pytest.raises(MissingColumnError, match=r"events is missing column\(s\) \['stage'\]"):
        require_columns(pd.DataFrame({"case_id": [1]}), ["case_id", "stage"], what="events")
    with pytest.raises(TypeError, match="should be a pandas DataFrame"):
        require_columns([1, 2], ["a"], what="events")


def test_schema_validation_lists_every_problem(world42, use_world):
    use_world(world42)
    from cxlabs.world import all_tables

    orders_schema = {t.name: t for t in all_tables()}["orders"]
    bad = cxlabs.load("orders").head(20).copy()
    bad.loc[0, "channel"] = "fax"
    bad.loc[1, "order_id"] = bad.loc[2, "order_id"]
    with pytest.raises(SchemaError) as err:
        orders_schema.validate(bad)
    assert "channel: values outside" in str(err.value)
    assert "order_id: 1 duplicate values" in str(err.value)


def test_cli_build_and_describe(tmp_path, capsys, monkeypatch):
    out = tmp_path / "w"
    assert cli.main(["data", "build", "--seed", "3", "--customers", "2000", "--out", str(out), "--quiet"]) == 0
    assert "Done:" in capsys.readouterr().out
    monkeypatch.setenv("CXLABS_DATA_DIR", str(out))
    assert cli.main(["data", "describe"]) == 0
    assert "orders" in capsys.readouterr().out
    assert cli.main(["data", "describe", "orders"]) == 0
    assert "promised_delivery_date" in capsys.readouterr().out


def test_cli_unknown_table_is_a_clear_error(world42, capsys, monkeypatch):
    monkeypatch.setenv("CXLABS_DATA_DIR", str(world42))
    assert cli.main(["data", "describe", "ordrs"]) == 2
    assert "Did you mean 'orders'?" in capsys.readouterr().err


def test_cli_dictionary_check_passes():
    assert cli.main(["data", "dictionary", "--check"]) == 0
