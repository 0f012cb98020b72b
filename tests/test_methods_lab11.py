"""Lab 11's reference methods (autograder/graders/lab11.py) against published test vectors.

Sources: Kohavi, Tang & Xu, *Trustworthy Online Controlled Experiments* (2020), the SRM example
(821,588 vs 815,482 on a 50/50 design: chi-square 22.77, p = 1.8e-6); Wikipedia, "Sample ratio
mismatch" (600 vs 400: p = 2.54e-10); Armitage, McPherson & Rowe (1969), the overall error of
repeated significance tests at 0.05; Pocock (1977), the constant boundary for five looks (2.413);
Lopez Bernal, Cummins & Gasparrini (2017), *Int J Epidemiol* 46(1), the Sicily smoking-ban data
(github.com/gasparrini/2017_lopezbernal_IJE_codedata): Poisson rate ratio 0.894 (0.865-0.925),
quasi-Poisson dispersion 3.56 (0.839-0.953), with two harmonic pairs 0.885 (0.839-0.933).
See /work/shared/reference/methods-labs-05-15.md, "Lab 11".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module
from scipy import stats
from scipy.optimize import brentq


@pytest.fixture(scope="module")
def ref():
    return grading_module().grader_module("lab11")


def _log(experiment_id, counts):
    rows = [(experiment_id, v) for v, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["experiment_id", "variant"])


def test_srm_matches_the_published_examples(ref):
    design = pd.DataFrame({"experiment_id": [1], "variants": ["control, treatment"]})
    counts = pd.DataFrame({"experiment_id": [1, 1], "variant": ["control", "treatment"]})
    # The book's example, by weights (the reference counts rows): 821,588 vs 815,482.
    big = counts.loc[np.repeat([0, 1], [821_588, 815_482])]
    out = ref._srm_ref(big, design).loc[1]
    assert round(out["chi2"], 2) == 22.77
    assert out["p_value"] == pytest.approx(1.8e-6, rel=0.05) and out["srm"]
    out = ref._srm_ref(_log(1, {"control": 600, "treatment": 400}), design).loc[1]
    assert out["p_value"] == pytest.approx(2.54e-10, rel=0.01)
    assert out["chi2"] == pytest.approx(stats.chisquare([600, 400]).statistic)


def test_sample_size_matches_the_computed_vector(ref):
    assert int(np.ceil(ref._raw_size(0.20, 0.25, 0.05, 0.8))) == 1094
    # symmetric in the direction of the change
    assert ref._raw_size(0.25, 0.20, 0.05, 0.8) == pytest.approx(ref._raw_size(0.20, 0.25, 0.05, 0.8))
    # Kohavi's rule 16 sigma^2 / delta^2 (Larsen et al. 2024): sigma = $3, detect 5% of $1.25
    assert round(16 * 3**2 / (0.05 * 1.25) ** 2) == 36_864


@pytest.mark.parametrize(("looks", "published"), [(1, 0.05), (2, 0.083), (3, 0.107), (4, 0.126), (5, 0.142),
                                                  (10, 0.193)])
def test_exact_peeking_error_matches_armitage(ref, looks, published):
    assert round(ref.exact_peeking_error(looks, 0.05), 3) == published


def test_pocock_constant_for_five_looks(ref):
    c = brentq(lambda z: ref.exact_peeking_error(5, 2 * stats.norm.sf(z)) - 0.05, 2.0, 3.0)
    assert round(c, 3) == 2.413


def test_exact_peeking_error_agrees_with_a_large_simulation(ref):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((200_000, 7)).cumsum(axis=1) / np.sqrt(np.arange(1, 8))
    simulated = (np.abs(z) > stats.norm.isf(0.01 / 2)).any(axis=1).mean()
    assert abs(simulated - ref.exact_peeking_error(7, 0.01)) < 4 * np.sqrt(0.03 / 200_000) + 5e-4


def test_cuped_invariants(ref):
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.normal(10, 3, n)
    treated = rng.random(n) < 0.5
    y = 2 + 0.8 * x + 0.5 * treated + rng.normal(0, 2, n)
    outcomes = pd.DataFrame({"customer_id": np.arange(n), "pre": x, "y": y})
    assign = pd.DataFrame({"experiment_id": 1, "customer_id": np.arange(n),
                           "variant": np.where(treated, "treatment", "control")})
    out = ref._cuped_ref(outcomes, assign, "y", "pre")
    adjusted = y - out["theta"] * (x - x.mean())
    rho = np.corrcoef(x, y)[0, 1]
    assert adjusted.var(ddof=1) == pytest.approx(y.var(ddof=1) * (1 - rho**2))
    assert out["variance_reduction"] == pytest.approx(rho**2)
    assert out["difference"] == pytest.approx(adjusted[treated].mean() - adjusted[~treated].mean())
    # with the pooled theta the CUPED effect is close to the regression-adjusted (ANCOVA) one
    design = np.column_stack([np.ones(n), treated, x - x.mean()])
    ancova = np.linalg.lstsq(design, y, rcond=None)[0][1]
    assert out["difference"] == pytest.approx(ancova, abs=0.01)


SICILY = (  # aces per month, 2002-01 to 2006-11; the ban from month 37; standardised population
    (728, 379875.3), (659, 376495.5), (791, 377040.8), (734, 377116.4), (757, 377383.4), (726, 374113.1),
    (760, 379513.3), (740, 376295.5), (720, 374653.2), (814, 378485.6), (795, 375955.5), (858, 378349.7),
    (887, 376762.4), (766, 379032.3), (851, 379360.4), (769, 376162.0), (781, 377972.4), (756, 381830.7),
    (766, 379888.6), (752, 380872.2), (765, 380966.9), (831, 381240.4), (879, 382104.9), (928, 381802.7),
    (914, 381656.3), (808, 383680.0), (937, 383504.2), (840, 386462.9), (916, 383783.1), (828, 380836.8),
    (845, 383483.0), (818, 380906.2), (860, 382926.8), (839, 384052.4), (887, 384449.6), (886, 383428.4),
    (831, 388153.2), (796, 388373.2), (833, 386470.1), (820, 386033.2), (877, 383686.4), (758, 385509.3),
    (767, 385901.9), (738, 386516.6), (781, 388436.5), (843, 383255.2), (850, 390148.7), (908, 385874.9),
    (1021, 391613.6), (859, 391750.4), (976, 394005.6), (888, 391364.9), (962, 391664.6), (838, 389022.3),
    (810, 391878.5), (876, 388575.3), (843, 392989.0), (936, 390018.8), (912, 390712.3),
)


def _sicily_fit(ref, harmonics: int):
    y = np.array([a for a, _ in SICILY], dtype=float)
    stdpop = np.array([p for _, p in SICILY])
    time = np.arange(1, len(y) + 1, dtype=float)
    ban = (time >= 37).astype(float)
    month = (time - 1) % 12 + 1
    columns = [np.ones_like(time), ban, time]
    for k in range(1, harmonics + 1):
        columns += [np.sin(2 * np.pi * k * month / 12), np.cos(2 * np.pi * k * month / 12)]
    X = np.column_stack(columns)
    beta, cov = ref._newton_poisson(y, X, offset=np.log(stdpop))
    mu = np.exp(X @ beta + np.log(stdpop))
    phi = ((y - mu) ** 2 / mu).sum() / (len(y) - X.shape[1])
    return beta, cov, phi


def test_its_poisson_reference_reproduces_lopez_bernal(ref):
    beta, cov, phi = _sicily_fit(ref, 0)
    se = np.sqrt(cov[1, 1])
    assert round(np.exp(beta[1]), 3) == 0.894
    assert (round(np.exp(beta[1] - 1.96 * se), 3), round(np.exp(beta[1] + 1.96 * se), 3)) == (0.865, 0.925)
    assert round(phi, 2) == 3.56
    quasi = se * np.sqrt(phi)
    assert (round(np.exp(beta[1] - 1.96 * quasi), 3), round(np.exp(beta[1] + 1.96 * quasi), 3)) == (0.839, 0.953)


def test_its_with_seasonality_reproduces_lopez_bernal(ref):
    beta, cov, phi = _sicily_fit(ref, 2)
    se = np.sqrt(phi * cov[1, 1])
    assert round(np.exp(beta[1]), 3) == 0.885
    assert (round(np.exp(beta[1] - 1.96 * se), 3), round(np.exp(beta[1] + 1.96 * se), 3)) == (0.839, 0.933)
    assert round(phi, 2) == 2.26
    assert round(np.exp(12 * beta[2]), 3) == 1.067  # the trend per year


def test_its_reference_agrees_with_the_given_helper(ref):
    """The grader's Newton fit and the notebook's IRLS helper give the same model (another route)."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2025-01-01", periods=150)
    lam = 50 * np.exp(0.002 * np.arange(150) + 0.3 * (days >= "2025-03-15"))
    y = pd.Series(rng.poisson(lam), index=days)
    out = ref._its_ref(y, pd.Timestamp("2025-03-15"))
    assert 1.1 < out["step_rate_ratio"] < 1.6 and out["ci_low"] < out["step_rate_ratio"] < out["ci_high"]
    assert 0.5 < out["dispersion"] < 2
