"""Lab 06's grader accepts other correct idioms and says what is wrong in plain words.

The answers here are the independent ones of ``test_checks_lab06`` (loops, sets, pivot tables,
log-space Poisson terms), dressed up the ways a learner's answers come: other column and row
orders, extra columns, nullable dtypes, numpy numbers, a categorical index. They must pass every
graded case on two worlds; then a few wrong answers must fail with messages that name the
property, never a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import test_checks_lab06 as good
from conftest import grading_module


@pytest.fixture(scope="module")
def plan(grading_plans):
    return grading_plans["lab06"]  # the session's plan: built once, shared with test_graders


def _dressed() -> dict:
    def service_level(i, c):
        out = good.good_service_level(i, c).iloc[::-1].assign(offered_total=1)
        out.index.name = "channel"
        return out.astype("Float64")

    def first_response_bands(t, s):
        out = good.good_first_response_bands(t, s)
        out.index = pd.CategoricalIndex(out.index, categories=good.BANDS, ordered=True, name="band")
        return out.astype({"surveys": "Int64"})

    return {
        "service_level": service_level,
        "erlang_c": lambda *a, interval_seconds=1800: good.good_erlang_c(*a, interval_seconds=interval_seconds),
        "agents_for_target": lambda *a, **k: {key: (np.int64(v) if key != "service_level" else v)
                                                for key, v in good.good_agents_for_target(*a, **k).items()},
        "campaign_uplift": lambda d, c, w=21: good.good_campaign_uplift(d, c, w).iloc[::-1][["uplift", "baseline",
                                                                                           "during"]],
        "priority_waits": good.good_priority_waits,
        "time_in_status": lambda h, a: good.good_time_in_status(h, a).sort_values("median_hours").astype(
            {"visits": "Int64"}),
        "first_response_bands": first_response_bands,
    }


def test_other_correct_idioms_get_full_marks(plan):
    grading = grading_module()
    p, worlds = plan
    verdicts = grading.grade_namespace("lab06", _dressed(), worlds, p)
    failed = {cell: v.message for cell, v in verdicts.items() if not v.passed}
    assert not failed, failed


@pytest.mark.parametrize(("function", "wrong", "cell", "phrase"), [
    ("service_level", lambda i, c: good.good_service_level(i.assign(offered=i["handled"]), c),
     "ex1_tests", "abandoned contacts should count as missed"),
    ("erlang_c", lambda *a, **k: {**good.good_erlang_c(*a, **k), "asa_seconds": 0.0},
     "ex2_tests", "'asa_seconds' is not right"),
    ("agents_for_target", lambda *a, **k: {**good.good_agents_for_target(*a, **k),
                                           "agents": good.good_agents_for_target(*a, **k)["agents"] - 1},
     "ex3_tests", "fall short of target_share"),
    ("time_in_status", lambda h, a: good.good_time_in_status(h, a).assign(visits=lambda d: d["visits"] - 1),
     "ex6_tests", "visits are missing"),
    ("first_response_bands", lambda t, s: good.good_first_response_bands(t, s.assign(responded=True)),
     "ex7_tests", "too many surveys"),
])
def test_wrong_answers_fail_with_the_property_named(plan, function, wrong, cell, phrase):
    grading = grading_module()
    p, worlds = plan
    namespace = _dressed()
    namespace[function] = wrong
    verdict = grading.grade_namespace("lab06", namespace, worlds, p, cells=[cell])[cell]
    assert not verdict.passed
    assert phrase in verdict.message, verdict.message
