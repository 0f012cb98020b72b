"""Lab 06's method references against the published test vectors of the methods notes
(``shared/reference/methods-labs-05-15.md``, Lab 06): Erlang C (Call Centre Helper's worked
example), the staffing search with shrinkage, and the non-preemptive priority queue with its
conservation law. The references are the grader's (``autograder/graders/lab06.py``) and the
world generator's (``cxlabs.world.contact_centre``); they must agree with each other too."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import grading_module

from cxlabs.world import contact_centre


@pytest.fixture(scope="module")
def ref():
    return grading_module().grader_module("lab06")


def test_erlang_c_matches_the_published_example(ref):
    # 100 calls in 30 minutes, AHT 180 s, 14 agents, 20 s -> A = 10, Pw 0.1741, SL 0.8884,
    # ASA 7.84 s, occupancy 0.714
    r = ref.erlang(100, 180, 14, 20)
    assert r["load"] == 10
    assert round(r["p_wait"], 4) == 0.1741
    assert round(r["service_level"], 4) == 0.8884
    assert round(r["asa_seconds"], 2) == 7.84
    assert round(r["occupancy"], 3) == 0.714


def test_service_level_by_agents_and_the_smallest_n(ref):
    # SL by N: 12 -> 0.6402, 13 -> 0.7956, 14 -> 0.8884, 15 -> 0.9415; the 80/20 target needs 14
    # (a learner who stops at SL >= 0.79 picks 13)
    got = [round(ref.erlang(100, 180, n, 20)["service_level"], 4) for n in (12, 13, 14, 15)]
    assert got == [0.6402, 0.7956, 0.8884, 0.9415]
    assert ref.fewest_agents(100, 180, 0.8, 20)[0] == 14
    assert ref.fewest_agents(100, 180, 0.79, 20)[0] == 13


def test_shrinkage_schedules_20_for_14_agents_at_30_percent(ref):
    assert ref.scheduled_for(14, 0.3) == 20
    # quotients that are whole numbers in exact arithmetic but a hair above in floating point
    assert 21 / (1 - 0.3) > 30 and ref.scheduled_for(21, 0.3) == 30
    assert 17 / (1 - 0.32) > 25 and ref.scheduled_for(17, 0.32) == 25
    assert ref.scheduled_for(18, 0.32) == 27  # 26.47 rounds up


def test_priority_waits_match_the_computed_vector_and_conserve_work(ref):
    pw = ref.erlang(100, 180, 14, 20)["p_wait"]
    w = ref._priority_ref(pw, 14, 20, 80, 180)
    assert (round(w["wait_priority_seconds"], 2), round(w["wait_other_seconds"], 2),
            round(w["wait_fcfs_seconds"], 2)) == (2.61, 9.14, 7.84)
    # Kleinrock's conservation law: the contact-weighted mean of the class waits is the FCFS wait
    assert math.isclose(0.2 * w["wait_priority_seconds"] + 0.8 * w["wait_other_seconds"], w["wait_fcfs_seconds"])


@pytest.mark.parametrize("share", [0.0, 0.07, 0.5, 1.0])
def test_conservation_holds_for_any_priority_share(ref, share):
    pw = ref.erlang(300, 200, 36, 30)["p_wait"]
    c1 = 300 * share
    w = ref._priority_ref(pw, 36, c1, 300 - c1, 200)
    mean = (c1 * w["wait_priority_seconds"] + (300 - c1) * w["wait_other_seconds"]) / 300
    assert math.isclose(mean, w["wait_fcfs_seconds"], rel_tol=1e-12)


def test_erlang_c_is_stable_for_hundreds_of_agents_and_agrees_with_the_world(ref):
    for calls, aht, agents in ((4000, 180, 420), (9500, 180, 1000), (57, 540, 21), (3, 120, 1)):
        a = calls * aht / 1800
        b = 1.0
        for n in range(1, agents + 1):  # the Erlang B recursion, by hand
            b = a * b / (n + a * b)
        by_recursion = agents * b / (agents - a * (1 - b))
        assert math.isclose(ref.erlang(calls, aht, agents, 20)["p_wait"], by_recursion, rel_tol=1e-9)
        assert math.isclose(float(contact_centre.erlang_c(agents, a)), by_recursion, rel_tol=1e-9)
    need = contact_centre.agents_needed(np.array([10.0, 400.0]), 180.0, 0.8, 20)
    assert need.tolist() == [ref.fewest_agents(100, 180, 0.8, 20)[0], ref.fewest_agents(4000, 180, 0.8, 20)[0]]


def test_no_more_agents_than_load_never_meets_a_target(ref):
    r = ref.erlang(100, 180, 10, 20)
    assert (r["p_wait"], r["service_level"], r["asa_seconds"], r["occupancy"]) == (1.0, 0.0, math.inf, 1.0)
    assert ref.fewest_agents(100, 180, 1e-6, 20)[0] == 11
