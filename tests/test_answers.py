"""Answers leave the kernel as data (``cxlabs.answers``) and the grader reads them safely.

Every kind of value a correct answer may take travels and comes back equal; values that
cannot travel are refused with a message naming what they were; and the decoder, which reads
untrusted data in the grader, turns anything malformed into ``AnswerError`` and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import random

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module

from cxlabs.answers import MAX_ANSWER_CHARS, AnswerError, CannotGrade, decode, dumps, encode, loads


def _frame() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([(1, "a"), (2, "b"), (3, "c")], names=["id", "kind"])
    return pd.DataFrame({
        "int": [1, 2, 3], "float": [0.5, np.nan, 2.0], "text": ["x", None, "z"],
        "when": pd.to_datetime(["2024-01-01", None, "2025-02-28"]),
        "span": pd.to_timedelta([1, None, 3], unit="h"), "flag": [True, False, True],
        "nullable": pd.array([1, None, 3], dtype="Int64"), "maybe": pd.array([True, None, False], dtype="boolean"),
        "cat": pd.Categorical(["u", "v", "u"]), "lists": [[1, 2], [], ["a"]],
        "tz": pd.to_datetime(["2024-01-01", "2024-06-01", "2025-01-01"]).tz_localize("Europe/Berlin"),
    }, index=index)


@pytest.mark.parametrize("value", [
    None, 3, 2.5, float("nan"), True, "text", pd.Timestamp("2025-03-31"), pd.Timedelta(days=2),
    np.int64(7), np.float32(1.5), [1, "a", None], (1, 2), {"m": 0.9, "u": 0.1},
    pd.Series([0.1, 0.2], index=pd.Index(["x", "y"], name="k"), name="share"),
    pd.Series([], dtype=float), pd.DataFrame(), pd.Index([3, 1, 2], name="ids"),
], ids=lambda v: type(v).__name__)
def test_values_travel(value):
    back = loads(dumps(value))
    if isinstance(value, (pd.Series, pd.DataFrame, pd.Index)):
        assert back.equals(value) or (len(back) == 0 and len(value) == 0)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == (list(value) if isinstance(value, tuple) and not isinstance(back, tuple) else value)


def test_a_frame_of_every_dtype_travels_with_its_index():
    frame = _frame()
    back = loads(dumps(frame))
    assert list(back.columns) == list(frame.columns)
    assert list(back.index) == list(frame.index) and list(back.index.names) == ["id", "kind"]
    grading = grading_module()
    for column in frame.columns:
        if column == "lists":
            assert back[column].tolist() == frame[column].tolist()
            continue
        assert grading.values_match(back[column], frame[column]).all(), column


def test_a_lying_subclass_travels_as_its_data():
    class Liar(pd.DataFrame):
        def __eq__(self, other):
            return True

        def equals(self, other):
            return True

    back = loads(dumps(Liar({"x": [1.0]})))
    assert type(back) is pd.DataFrame and not back.equals(pd.DataFrame({"x": [2.0]}))


@pytest.mark.parametrize(("value", "said"), [
    (object(), "object"), (lambda: 1, "function"), (pd.DataFrame([[1, 2]], columns=["a", "a"]), "same name"),
])
def test_what_cannot_travel_is_named(value, said):
    with pytest.raises(CannotGrade, match=said):
        dumps(value)


def test_deep_and_huge_answers_are_refused():
    deep: list = []
    for _ in range(50):
        deep = [deep]
    with pytest.raises(CannotGrade, match="nested"):
        dumps(deep)
    with pytest.raises(CannotGrade, match="limit"):
        dumps(pd.Series(np.zeros(MAX_ANSWER_CHARS // 3)))


def _mutations(data, rng: random.Random, n: int):
    """Random damage to an encoded answer: wrong types, lengths, tags and values."""
    junk = [None, 1, -5, 2**70, "x", 1.5, [], {}, [1, [2]], {"t": "frame"}, True, "nat"]
    for _ in range(n):
        copy = json.loads(json.dumps(data))
        node = copy
        path = []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            parent[key] = rng.choice(junk)
        yield copy


def test_the_decoder_turns_any_malformed_data_into_an_answer_error():
    rng = random.Random(7)
    samples = [encode(_frame()), encode({"a": pd.Series([1, 2]), "b": [1, (2, 3)]}), encode(pd.Index([1, 2]))]
    for data in samples:
        for damaged in _mutations(data, rng, 400):
            with contextlib.suppress(AnswerError):
                decode(damaged)


def test_verdicts_on_forged_and_broken_answers():
    grading = grading_module()
    case = grading.Case("a table", (pd.DataFrame({"x": [1]}),),
                        lambda a: grading.expect_frame(a, pd.DataFrame({"x": [1.0]})))
    plan = grading.Plan("labX", None, {"c": [("w0c0", case, "your company's data")]}, {"c": "f"})
    good = {"case": "w0c0", "status": "answer", "answer": dumps(pd.DataFrame({"x": [1]}))}
    assert grading.verdict(plan, "c", [good]).passed
    for received, said in [
        ([], "gave no answer"),
        ([{"case": "w0c0", "status": "answer", "answer": "{not json"}], "not readable"),
        ([{"case": "w0c0", "status": "answer", "answer": "[" * 100_000}], "not readable"),
        ([{"case": "w0c0", "status": "answer", "answer": json.dumps({"t": "frame", "n": 10**12})}], "not readable"),
        ([{"case": "w0c0", "status": "weird"}], "could not read"),
        ([{"case": "w0c0", "status": "answer", "answer": 12}], "could not read"),
        (["junk", 5, {"case": 3}], "gave no answer"),
        ([{"case": "w0c0", "status": "raised", "error": "KeyError", "message": "'x'"}], "raised KeyError"),
        ([{"case": "w0c0", "status": "cannot", "message": "a value of type object"}], "cannot be graded"),
    ]:
        result = grading.verdict(plan, "c", received)
        assert not result.passed and said in result.message, (received[:1], result.message)


def test_autograde_refuses_to_run_learner_code_without_the_sandbox(tmp_path, monkeypatch):
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "autograder"))
    import sandboxed_autograde

    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    with pytest.raises(SystemExit, match="bubblewrap"):
        sandboxed_autograde.prepare_sandbox(tmp_path / "box", {"world": "", "grading_world": "", "plan": "",
                                                               "mpl": "", "lab": "lab00"}, uid=61999)
