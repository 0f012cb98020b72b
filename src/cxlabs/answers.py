"""How answers leave the learner's kernel: as plain data, never as live Python objects.

When a lab is graded, the kernel that ran the learner's notebook does one more thing per
graded exercise: it calls the learner's function on the graded inputs (given to it by the
grader as Arrow files and a JSON plan) and sends back what the function returned, encoded
by :func:`encode` as JSON. The grader, a separate process that never runs learner code,
decodes it with :func:`decode` and compares it with references only it has. Nothing in this
module knows a right answer; it only moves data.

What can travel: ``None``, booleans, numbers, text, timestamps and time spans, numpy arrays,
pandas ``Series``, ``DataFrame`` and ``Index`` (any dtype whose values are among these), and
lists, tuples, sets and dicts of all of these. Anything else cannot be graded, and the
learner is told what their function returned. A DataFrame subclass travels as its data:
whatever it claims about itself, only its values reach the grader.

Examples
--------
>>> import pandas as pd
>>> from cxlabs.answers import decode, encode
>>> frame = pd.DataFrame({"lead_h": [1.5, 2.0]}, index=pd.Index([7, 9], name="case_id"))
>>> back = decode(encode(frame))
>>> back.equals(frame)
True
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

#: The MIME type the kernel publishes one graded answer under (one display output per case).
MIME = "application/x-cxlabs-answer"
#: Largest encoded answer (characters of JSON) for one case; larger answers cannot be graded.
MAX_ANSWER_CHARS = 16_000_000
#: How deep lists, dicts and nested values may go.
MAX_DEPTH = 12


class CannotGrade(ValueError):
    """The value cannot be sent to the grader as data. The message says what it was."""


def _kind(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


# ---- encoding (in the learner's kernel) ------------------------------------------------------

def _scalar(value):
    """A JSON-ready scalar, or a tagged dict for timestamps and spans; CannotGrade otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None if value is None else {"t": "na"} if value is pd.NA else {"t": "nat"}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (pd.Timestamp, _dt.datetime, np.datetime64)):
        stamp = pd.Timestamp(value)
        return {"t": "nat"} if pd.isna(stamp) else {"t": "ts", "v": stamp.isoformat()}
    if isinstance(value, _dt.date):
        return {"t": "ts", "v": pd.Timestamp(value).isoformat()}
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        span = pd.Timedelta(value)
        return {"t": "nat"} if pd.isna(span) else {"t": "td", "v": int(span.value)}
    raise CannotGrade(f"a value of type {_kind(value)}")


def _column(values) -> dict:
    """Encode one column (array-like) with its kind of values."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=None if len(values) else object)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        s = s.astype(object)
        dtype = s.dtype
    na = s.isna().to_numpy()
    if pd.api.types.is_bool_dtype(dtype):
        return {"k": "bool", "v": [None if m else bool(x) for x, m in zip(s.to_numpy(object), na, strict=True)]}
    if pd.api.types.is_integer_dtype(dtype):
        out = s.to_numpy(dtype="float64" if na.any() else "int64")
        return {"k": "int", "v": [None if m else int(x) for x, m in zip(out.tolist(), na, strict=True)]}
    if pd.api.types.is_float_dtype(dtype):
        return {"k": "float", "v": s.to_numpy(dtype="float64", na_value=np.nan).tolist()}
    if pd.api.types.is_datetime64_any_dtype(dtype):
        tz = str(dtype.tz) if getattr(dtype, "tz", None) is not None else None
        ns = s.dt.tz_convert("UTC").dt.tz_localize(None) if tz else s
        ints = ns.astype("datetime64[ns]").to_numpy().astype("int64").tolist()
        return {"k": "datetime", "tz": tz, "v": [None if m else x for x, m in zip(ints, na, strict=True)]}
    if pd.api.types.is_timedelta64_dtype(dtype):
        ints = s.astype("timedelta64[ns]").to_numpy().astype("int64").tolist()
        return {"k": "timedelta", "v": [None if m else x for x, m in zip(ints, na, strict=True)]}
    if pd.api.types.is_string_dtype(dtype) and all(isinstance(x, str) for x in s[~na]):
        return {"k": "str", "v": [None if m else str(x) for x, m in zip(s.tolist(), na, strict=True)]}
    return {"k": "object", "v": [_cell(x) for x in s.tolist()]}


def _cell(value, depth: int = 1):
    """One value of an object column: a scalar, or a nested value (a list in a cell)."""
    if isinstance(value, (list, tuple, set, frozenset, dict, np.ndarray, pd.Series, pd.DataFrame)):
        return {"t": "nested", "v": encode(value, depth + 1)}
    if isinstance(value, float) and math.isnan(value):
        return float("nan")
    return _scalar(value)


def _index(index: pd.Index) -> dict:
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return {"names": [_name(index.name)], "range": len(index)}
    if isinstance(index, pd.MultiIndex):
        levels = [_column(index.get_level_values(i)) for i in range(index.nlevels)]
    else:
        levels = [_column(pd.Series(index.to_numpy(), dtype=index.dtype))]
    return {"names": [_name(n) for n in index.names], "levels": levels}


def _name(name):
    if isinstance(name, tuple):
        return {"t": "tuple", "items": [_scalar(x) for x in name]}
    return _scalar(name)


def encode(value, depth: int = 0):
    """Encode ``value`` as JSON-ready data; raise :class:`CannotGrade` for anything else.

    Parameters
    ----------
    value : object
        What a learner's function returned.

    Returns
    -------
    dict or scalar
        Plain data (dicts, lists, strings, numbers) that :func:`decode` turns back into the
        same kind of pandas or Python value.
    """
    if depth > MAX_DEPTH:
        raise CannotGrade(f"values nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, pd.DataFrame):
        if not value.columns.is_unique:
            raise CannotGrade("a DataFrame with two columns of the same name")
        frame = pd.DataFrame(value)  # a subclass travels as its data only
        return {"t": "frame", "columns": [_name(c) for c in frame.columns],
                "data": [_column(frame.iloc[:, i]) for i in range(frame.shape[1])],
                "index": _index(frame.index), "n": len(frame)}
    if isinstance(value, pd.Series):
        series = pd.Series(value)
        return {"t": "series", "name": _name(series.name), "values": _column(series),
                "index": _index(series.index), "n": len(series)}
    if isinstance(value, pd.Index):
        return {"t": "index", "index": _index(value), "n": len(value)}
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            return {"t": "list", "items": [encode(x, depth + 1) for x in value]}
        return {"t": "array", "values": _column(value), "n": len(value)}
    if isinstance(value, dict):
        return {"t": "dict", "items": [[_cell(k, depth), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = "list" if isinstance(value, list) else "tuple" if isinstance(value, tuple) else "set"
        return {"t": kind, "items": [encode(x, depth + 1) for x in value]}
    scalar = _scalar(value)
    return {"t": "scalar", "v": scalar}


def dumps(value) -> str:
    """:func:`encode` as one JSON text, refused when it is larger than ``MAX_ANSWER_CHARS``."""
    text = json.dumps(encode(value), allow_nan=True, separators=(",", ":"))
    if len(text) > MAX_ANSWER_CHARS:
        raise CannotGrade(f"an answer of {len(text):,} characters once written as data "
                          f"(the limit is {MAX_ANSWER_CHARS:,})")
    return text


# ---- decoding (in the grader; the input is untrusted) ----------------------------------------

class AnswerError(ValueError):
    """Encoded data that is malformed (it did not come from :func:`encode`)."""


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise AnswerError(what)


def _dec_scalar(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    _need(isinstance(value, dict), "a scalar of unknown form")
    tag = value.get("t")
    if tag == "na":
        return pd.NA
    if tag == "nat":
        return pd.NaT
    if tag == "ts":
        _need(isinstance(value.get("v"), str) and len(value["v"]) < 64, "a malformed timestamp")
        try:
            return pd.Timestamp(value["v"])
        except (ValueError, TypeError, OverflowError):
            raise AnswerError("a malformed timestamp") from None
    if tag == "td":
        _need(isinstance(value.get("v"), int), "a malformed time span")
        return pd.Timedelta(value["v"], unit="ns")
    if tag == "tuple":
        _need(isinstance(value.get("items"), list), "a malformed tuple name")
        return tuple(_dec_scalar(x) for x in value["items"])
    if tag == "nested":
        return _decode(value.get("v"), 1)
    raise AnswerError("a scalar of unknown form")


def _dec_column(col, n: int | None = None) -> pd.Series:
    _need(isinstance(col, dict) and isinstance(col.get("v"), list), "a malformed column")
    values, kind = col["v"], col.get("k")
    _need(n is None or len(values) == n, "columns of different lengths")
    if kind == "float":
        _need(all(x is None or isinstance(x, (int, float)) for x in values), "a malformed float column")
        return pd.Series(np.array([np.nan if x is None else x for x in values], dtype="float64"))
    if kind == "int":
        _need(all(x is None or (isinstance(x, int) and not isinstance(x, bool)) for x in values),
              "a malformed integer column")
        if any(x is None for x in values):
            return pd.Series(values, dtype="Int64")
        return pd.Series(np.array(values, dtype="int64") if values else np.array([], dtype="int64"))
    if kind == "bool":
        _need(all(x is None or isinstance(x, bool) for x in values), "a malformed boolean column")
        return pd.Series(values, dtype="boolean" if any(x is None for x in values) else "bool")
    if kind in ("datetime", "timedelta"):
        _need(all(x is None or (isinstance(x, int) and not isinstance(x, bool)) for x in values),
              "a malformed time column")
        ints = np.array([np.iinfo("int64").min if x is None else x for x in values], dtype="int64")
        if kind == "timedelta":
            return pd.Series(ints.view("timedelta64[ns]"))
        out = pd.Series(ints.view("datetime64[ns]"))
        tz = col.get("tz")
        if tz is not None:
            _need(isinstance(tz, str) and len(tz) < 64, "a malformed time zone")
            try:
                out = out.dt.tz_localize("UTC").dt.tz_convert(tz)
            except Exception:  # noqa: BLE001  an unknown zone name is malformed data
                raise AnswerError("an unknown time zone") from None
        return out
    if kind == "str":
        _need(all(x is None or isinstance(x, str) for x in values), "a malformed text column")
        return pd.Series(values, dtype="str")
    if kind == "object":
        return pd.Series([_dec_scalar(x) for x in values], dtype=object)
    raise AnswerError("a column of unknown kind")


def _dec_index(spec, n: int) -> pd.Index:
    _need(isinstance(spec, dict) and isinstance(spec.get("names"), list), "a malformed index")
    names = [_dec_scalar(x) for x in spec["names"]]
    if "range" in spec:
        _need(spec["range"] == n and len(names) == 1, "an index of the wrong length")
        return pd.RangeIndex(n, name=names[0])
    levels = spec.get("levels")
    _need(isinstance(levels, list) and len(levels) == len(names) >= 1, "a malformed index")
    arrays = [_dec_column(level, n) for level in levels]
    if len(arrays) == 1:
        return pd.Index(arrays[0], name=names[0])
    return pd.MultiIndex.from_arrays(arrays, names=names)


def decode(data, _depth: int = 0):
    """Turn :func:`encode`'s data back into pandas and Python values.

    Raises :class:`AnswerError` for anything :func:`encode` cannot have produced. Never
    evaluates, imports or unpickles anything.
    """
    if _depth:
        return _decode(data, _depth)
    try:
        return _decode(data, 0)
    except AnswerError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError, AttributeError,
            RecursionError, MemoryError) as exc:  # whatever malformed data makes pandas raise
        raise AnswerError(f"malformed data ({type(exc).__name__})") from None


def _decode(data, _depth: int):
    _need(_depth <= MAX_DEPTH + 2, "values nested too deep")
    _need(isinstance(data, dict), "not an encoded answer")
    tag = data.get("t")
    if tag == "scalar":
        return _dec_scalar(data.get("v"))
    if tag == "frame":
        n, columns, cols = data.get("n"), data.get("columns"), data.get("data")
        _need(isinstance(n, int) and isinstance(columns, list) and isinstance(cols, list)
              and len(columns) == len(cols), "a malformed DataFrame")
        index = _dec_index(data.get("index"), n)
        names = [_dec_scalar(c) for c in columns]
        frame = pd.DataFrame({i: _dec_column(c, n).set_axis(index) for i, c in enumerate(cols)}, index=index)
        if isinstance(frame.columns, pd.RangeIndex) and not names:
            return pd.DataFrame(index=index)
        frame.columns = pd.Index(names, dtype=object) if any(not isinstance(x, str) for x in names) \
            else pd.Index(names)
        return frame
    if tag == "series":
        n = data.get("n")
        _need(isinstance(n, int), "a malformed Series")
        index = _dec_index(data.get("index"), n)
        return _dec_column(data.get("values"), n).set_axis(index).rename(_dec_scalar(data.get("name")))
    if tag == "index":
        n = data.get("n")
        _need(isinstance(n, int), "a malformed Index")
        return _dec_index(data.get("index"), n)
    if tag == "array":
        n = data.get("n")
        _need(isinstance(n, int), "a malformed array")
        return _dec_column(data.get("values"), n).to_numpy()
    if tag in ("list", "tuple", "set"):
        items = data.get("items")
        _need(isinstance(items, list), "a malformed list")
        values = [_decode(x, _depth + 1) for x in items]
        if tag == "set":
            try:
                return set(values)
            except TypeError:
                raise AnswerError("a set of unhashable values") from None
        return values if tag == "list" else tuple(values)
    if tag == "dict":
        items = data.get("items")
        _need(isinstance(items, list) and all(isinstance(p, list) and len(p) == 2 for p in items),
              "a malformed dict")
        out = {}
        for key, value in items:
            key = _dec_scalar(key)
            try:
                out[key] = _decode(value, _depth + 1)
            except TypeError:
                raise AnswerError("a dict with an unhashable key") from None
        return out
    raise AnswerError("not an encoded answer")


def loads(text: str, limit: int = MAX_ANSWER_CHARS):
    """Decode one JSON text from :func:`dumps`, refusing texts longer than ``limit``."""
    _need(isinstance(text, str), "not text")
    _need(len(text) <= limit, f"longer than {limit:,} characters")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise AnswerError("not valid JSON") from None
    return decode(data)


# ---- graded inputs (from the grader to the kernel; trusted) ----------------------------------

def write_argument(value, folder: Path, stem: str):
    """Store one graded input in ``folder``; return the JSON-ready reference to it.

    DataFrames and Series go to Arrow IPC files, uncompressed (dtypes and index kept, as
    Parquet keeps them, and about ten times faster to write: every learner's own world has
    its inputs written when variants are on); dicts, lists and tuples of them are stored item
    by item; anything else travels as :func:`encode` data.
    """
    folder = Path(folder)
    if isinstance(value, pd.DataFrame):
        path = folder / f"{stem}.arrow"
        value.to_feather(path, compression="uncompressed")
        return {"t": "arrow", "path": path.name}
    if isinstance(value, pd.Series):
        path = folder / f"{stem}.arrow"
        value.to_frame("values").to_feather(path, compression="uncompressed")
        return {"t": "arrow_series", "path": path.name, "name": _name(value.name)}
    if isinstance(value, dict) and any(isinstance(v, (pd.DataFrame, pd.Series)) for v in value.values()):
        return {"t": "arg_dict", "items": [[_cell(k), write_argument(v, folder, f"{stem}_{i}")]
                                           for i, (k, v) in enumerate(value.items())]}
    if isinstance(value, (list, tuple)) and any(isinstance(v, (pd.DataFrame, pd.Series)) for v in value):
        return {"t": "arg_list", "tuple": isinstance(value, tuple),
                "items": [write_argument(v, folder, f"{stem}_{i}") for i, v in enumerate(value)]}
    return {"t": "value", "v": encode(value)}


def read_argument(ref, folder: Path):
    """The graded input that :func:`write_argument` stored: a fresh copy on every call."""
    folder = Path(folder)
    tag = ref["t"]
    if tag in ("arrow", "arrow_series"):
        frame = pd.read_feather(folder / ref["path"])
        return frame if tag == "arrow" else frame["values"].rename(_dec_scalar(ref["name"]))
    if tag == "parquet":
        return pd.read_parquet(folder / ref["path"])
    if tag == "parquet_series":
        return pd.read_parquet(folder / ref["path"])["values"].rename(_dec_scalar(ref["name"]))
    if tag == "arg_dict":
        return {_dec_scalar(k): read_argument(v, folder) for k, v in ref["items"]}
    if tag == "arg_list":
        items = [read_argument(v, folder) for v in ref["items"]]
        return tuple(items) if ref["tuple"] else items
    return decode(ref["v"])


# ---- the kernel's side of grading -------------------------------------------------------------

def run_case(function, case: dict, folder: Path) -> dict:
    """Call ``function`` on one graded case; return what to send: an answer or what went wrong.

    The case's inputs are in ``folder``, or in the folder its ``dir`` names (inputs shared by
    every learner's plan).
    """
    folder = Path(case.get("dir") or folder)
    args = [read_argument(a, folder) for a in case["args"]]
    kwargs = {k: read_argument(v, folder) for k, v in case.get("kwargs", {}).items()}
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        return {"case": case["id"], "status": "blank"}
    except Exception as exc:  # noqa: BLE001  any crash of learner code is reported as data
        return {"case": case["id"], "status": "raised", "error": type(exc).__name__,
                "message": str(exc)[:300]}
    try:
        return {"case": case["id"], "status": "answer", "answer": dumps(result)}
    except CannotGrade as exc:
        return {"case": case["id"], "status": "cannot", "message": str(exc)}
    except Exception as exc:  # noqa: BLE001  e.g. a subclass whose methods raise
        return {"case": case["id"], "status": "cannot",
                "message": f"a value of type {_kind(result)} ({type(exc).__name__} while reading it)"}


def export(plan_file: str, namespace: dict) -> None:
    """Run one exercise's graded cases in this kernel and publish each answer as data.

    Called by the grader in an extra cell after the learner's notebook has run; one display
    output of type :data:`MIME` per case.
    """
    from IPython.display import publish_display_data

    plan_path = Path(plan_file)
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    function = namespace.get(plan["function"])
    for case in plan["cases"]:
        if function is None:
            sent = {"case": case["id"], "status": "missing"}
        elif not callable(function):
            sent = {"case": case["id"], "status": "not_callable", "message": _kind(function)}
        else:
            sent = run_case(function, case, plan_path.parent)
        publish_display_data({MIME: json.dumps(sent)})
