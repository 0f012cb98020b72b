"""Nothing a learner can import computes a graded answer.

Every function and method the ``cxlabs`` package defines, public or private, is called on the
inputs of every graded case on the real tables (and with the arguments reordered, and as
keyword arguments), and whatever it returns is judged by the grader's own check for that
case. None may pass: the references live in ``autograder/graders/``, which learners never get.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import signal
import warnings

import pytest
from conftest import grading_module

import cxlabs

# Modules that write files or start programs when called (not answer-shaped code).
SKIP_MODULES = {"cxlabs.cli", "cxlabs.__main__", "cxlabs.world.build"}
# A call that runs longer than this on one case is stopped and counts as no answer. The scan makes
# tens of thousands of calls; most fail at once, and the few that churn on a table they were not
# written for (a world generator's helper given an exercise's DataFrame) would otherwise cost
# minutes each. Every graded reference in the course runs in well under a second a case.
SECONDS = 3


def package_callables():
    """``(qualified name, callable)`` for every function and method defined in cxlabs."""
    found = {}
    for info in pkgutil.walk_packages(cxlabs.__path__, "cxlabs."):
        if info.name in SKIP_MODULES:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                found[f"{module.__name__}.{name}"] = value
            elif inspect.isclass(value):
                for attr, member in vars(value).items():
                    if isinstance(member, staticmethod):
                        found[f"{module.__name__}.{name}.{attr}"] = member.__func__
                    elif isinstance(member, classmethod):
                        found[f"{module.__name__}.{name}.{attr}"] = getattr(value, attr)
    return found


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow()


def _fresh(value):
    """A copy of an input no call can change for the next: pandas objects copied shallow (with
    copy-on-write, pandas 3's default, writing to the copy never reaches the original, and a deep
    copy of a large table for each of tens of thousands of calls was most of this test's time)."""
    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        return value.copy(deep=False)
    return value.copy() if hasattr(value, "copy") else value


def _calls(function, args):
    """The ways to call ``function`` with the case's inputs that its signature accepts."""
    try:
        sig = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    ways = []
    for order in itertools.permutations(args) if len(args) <= 3 else [args]:
        try:
            sig.bind(*order)
        except TypeError:
            continue
        ways.append(order)
    return ways


def _graded_labs():
    from cxlabs.course import labs

    grading = grading_module()
    return [lab.id for lab in labs() if grading.has_grader(lab.id)]


@pytest.mark.parametrize("lab_id", _graded_labs())
def test_no_function_in_the_package_computes_a_graded_answer(lab_id, grading_plans):
    grading = grading_module()
    functions = package_callables()
    assert len(functions) > 50, "the package's functions were found"
    passed = []
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        plan, _ = grading_plans[lab_id]
        for cell, items in plan.cases.items():
            for _, case, where in items:
                if where != "your company's data" or case.raises:
                    continue
                for qualname, function in functions.items():
                    for order in _calls(function, case.args):
                        try:  # the alarm may also go off just after the call returned
                            signal.alarm(SECONDS)
                            try:
                                with warnings.catch_warnings():
                                    warnings.simplefilter("ignore")
                                    result = function(*[_fresh(a) for a in order])
                            finally:
                                signal.alarm(0)
                        except BaseException:  # noqa: BLE001  anything that does not return
                            continue
                        if result is None or callable(result):
                            continue
                        if grading.run_check(case, result) is None:
                            passed.append(f"{qualname} answers {lab_id} {cell} ({case.label})")
    finally:
        signal.signal(signal.SIGALRM, old)
    assert not passed, "the learner package computes graded answers:\n" + "\n".join(passed)


@pytest.mark.parametrize("module", ["cxlabs.checks"])
def test_checks_define_no_reference_functions(module):
    """Worked examples carry their answers as data: no `_expected_*`/`_reference*` helpers."""
    package = importlib.import_module(module)
    for info in pkgutil.iter_modules(package.__path__, f"{module}."):
        names = vars(importlib.import_module(info.name))
        bad = [n for n in names if n.lstrip("_").startswith(("expected", "reference", "ref_"))
               and inspect.isfunction(names[n])]
        assert not bad, f"{info.name} defines reference functions {bad}"
