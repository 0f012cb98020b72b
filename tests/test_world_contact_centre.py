"""Labs 06 and 11's contact-centre tables: the intervals add up, and the missed service level at
peaks, the staffing shortfall behind it, the campaign peaks and the returns-process step are
recoverable by methods independent of the generator."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def campaign_days(folder) -> pd.DatetimeIndex:
    c = read(folder, "campaign_calendar")
    return pd.DatetimeIndex(np.unique(np.concatenate(
        [pd.date_range(s, e).to_numpy() for s, e in zip(c["start_date"], c["end_date"], strict=True)])))


def test_contact_reasons_are_the_ticket_categories():
    from cxlabs.world.contact_centre import REASONS
    from cxlabs.world.service import TICKET_CATEGORIES

    assert REASONS == TICKET_CATEGORIES


def test_intervals_plan_and_shrinkage_add_up(world42):
    iv, plan = read(world42, "contact_intervals"), read(world42, "staffing_plan")
    assert (iv["offered"] == iv["handled"] + iv["abandoned"]).all()
    assert (iv["answered_within_target"] <= iv["handled"]).all()
    assert (iv["offered_business"] <= iv["offered"]).all()
    assert iv["aht_seconds"].isna().equals(iv["handled"] == 0)
    assert iv[["interval_start", "channel"]].equals(plan[["interval_start", "channel"]])
    assert (iv["agents_available"] <= plan["scheduled_agents"]).all()
    # Phone and chat contacts per day are the intervals' offered contacts.
    daily = read(world42, "contact_volume_daily")
    by_day = daily[daily["channel"] != "email"].groupby(["date", "channel"])["contacts"].sum()
    from_iv = iv.groupby([iv["interval_start"].dt.normalize().rename("date"), "channel"])["offered"].sum()
    assert by_day.sort_index().to_numpy().tolist() == from_iv.sort_index().to_numpy().tolist()
    # Shrinkage hours are the scheduled agents who were not available, by reason.
    s = read(world42, "agent_shrinkage").set_index(["date", "channel"]).sort_index()
    key = [iv["interval_start"].dt.normalize().rename("date"), iv["channel"]]
    lost = ((plan["scheduled_agents"] - iv["agents_available"]) * 0.5).groupby(key).sum().sort_index()
    scheduled = (plan["scheduled_agents"] * 0.5).groupby(key).sum().sort_index()
    hours = s[["absence_hours", "training_hours", "meetings_hours", "breaks_hours"]].sum(axis=1)
    assert np.allclose(hours.to_numpy(), lost.to_numpy())
    assert np.allclose(s["scheduled_hours"].to_numpy(), scheduled.to_numpy())
    targets = read(world42, "service_targets").set_index("channel")
    actual = hours.groupby(level="channel").sum() / s["scheduled_hours"].groupby(level="channel").sum()
    assert np.allclose(actual.sort_index(), targets["planned_shrinkage"].sort_index(), atol=0.01)


def service_levels(folder) -> pd.DataFrame:
    iv = read(folder, "contact_intervals")
    peak = iv["interval_start"].dt.normalize().isin(campaign_days(folder))
    g = iv.groupby(["channel", peak.rename("peak")])[["answered_within_target", "offered"]].sum()
    return (g["answered_within_target"] / g["offered"]).unstack("peak")


def test_one_channel_misses_its_service_level_at_peaks(any_world):
    sl = service_levels(any_world)
    planted = facts(any_world)["service_level_at_peaks"]
    target = read(any_world, "service_targets").set_index("channel")["target_share"]
    failing = planted["channel"]
    assert sl[True].idxmin() == failing
    assert sl.loc[failing, True] < target[failing] - 0.2, "the miss at peaks should be plain"
    assert sl.loc[failing, False] >= target[failing], "off peak the channel meets its target"
    for other in sl.index.drop(failing):
        assert sl.loc[other, True] >= target[other]
        assert sl.loc[other, False] >= target[other]
    for channel, values in planted["by_channel"].items():
        assert np.isclose(sl.loc[channel, True], values["peak_service_level"], atol=1e-4)
        assert np.isclose(sl.loc[channel, False], values["offpeak_service_level"], atol=1e-4)


def erlang_agents(offered, aht, target_share, target_seconds, interval_s=1800, n_max=400) -> np.ndarray:
    """Smallest N meeting the target, by Erlang C written with the Poisson distribution:
    C = P(N; A) / [P(N; A) + (1 - A/N) P(X < N; A)]."""
    a = (np.asarray(offered, float) * np.asarray(aht, float) / interval_s)[:, None]
    h = np.asarray(aht, float)[:, None]
    n = np.arange(1, n_max + 1)[None, :]
    pmf, below = stats.poisson.pmf(n, a), stats.poisson.cdf(n - 1, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = pmf / (pmf + (1 - a / n) * below)
        sl = np.where(n > a, 1 - c * np.exp(-(n - a) * target_seconds / h), 0.0)
    return np.argmax(sl >= target_share, axis=1) + 1


def test_the_staffing_shortfall_explains_the_miss(any_world):
    iv, plan = read(any_world, "contact_intervals"), read(any_world, "staffing_plan")
    targets = read(any_world, "service_targets").set_index("channel")
    planted = facts(any_world)["staffing_shortfall"]
    uplift = facts(any_world)["campaign_contact_uplift"]
    peak = iv["interval_start"].dt.normalize().isin(campaign_days(any_world)).to_numpy()
    shortfall = {}
    for channel in targets.index:
        on = (iv["channel"] == channel).to_numpy() & peak
        aht = iv["aht_seconds"].fillna(plan["forecast_aht_seconds"])[on]
        need = erlang_agents(iv["offered"][on], aht, targets.loc[channel, "target_share"],
                             targets.loc[channel, "target_seconds"])
        shortfall[channel] = float((need - iv["agents_available"][on].to_numpy()).mean())
        # The plan's forecast for campaign days, against what came.
        ratio = plan["forecast_offered"][on].sum() / iv["offered"][on].sum()
        if channel == planted["channel"]:
            assert ratio < 1 / min(uplift.values()) + 0.03, "the plan forecast campaign days without the campaign"
        else:
            assert 0.93 < ratio < 1.07, "the other channel's plan expected the campaign"
    failing = planted["channel"]
    assert shortfall[failing] > 2, shortfall
    assert abs(shortfall[failing] - planted["peak_mean_shortfall_agents"]) < 1.0, shortfall
    for channel, value in shortfall.items():
        if channel != failing:
            assert value < 0, shortfall


def test_campaigns_raise_contacts_by_their_planted_uplift(any_world):
    from cxlabs.world.contact_centre import CAMPAIGN_REASONS

    d = read(any_world, "contact_volume_daily")
    day = d[d["reason"].isin(CAMPAIGN_REASONS)].groupby("date")["contacts"].sum()
    weekday = day.groupby(day.index.day_of_week).transform("mean") / day.mean()
    level = day / weekday  # weekday-adjusted daily contacts
    busy = level.index.isin(campaign_days(any_world))
    c = read(any_world, "campaign_calendar")
    uplift = facts(any_world)["campaign_contact_uplift"]
    for cid, start, end in zip(c["campaign_id"], c["start_date"], c["end_date"], strict=True):
        on = (level.index >= start) & (level.index <= end)
        near = (level.index >= start - pd.Timedelta(days=21)) & (level.index <= end + pd.Timedelta(days=21)) & ~busy
        ratio = level[on].mean() / level[near].mean()
        assert abs(ratio / uplift[str(cid)] - 1) < 0.1, (cid, ratio, uplift[str(cid)])


def poisson_fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Poisson regression by iteratively reweighted least squares: coefficients, quasi-Poisson
    standard errors, log-likelihood."""
    beta = np.zeros(x.shape[1])
    beta[0] = np.log(y.mean())
    for _ in range(50):
        mu = np.exp(x @ beta)
        z = x @ beta + (y - mu) / mu
        new = np.linalg.solve(x.T @ (x * mu[:, None]), x.T @ (mu * z))
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    mu = np.exp(x @ beta)
    dispersion = ((y - mu) ** 2 / mu).sum() / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(np.linalg.inv(x.T @ (x * mu[:, None]))) * dispersion)
    loglik = float((y * np.log(mu) - mu).sum())
    return beta, se, loglik


def its_design(days: pd.DatetimeIndex, change: pd.Timestamp) -> np.ndarray:
    t = (days - days[0]).days.to_numpy().astype(float)
    t0 = float((change - days[0]).days)
    post = (t >= t0).astype(float)
    dow = np.eye(7)[days.day_of_week][:, 1:]
    return np.column_stack([np.ones_like(t), t / 100, post, post * (t - t0), dow])


def without_christmas_returns(daily: pd.Series) -> pd.Series:
    """Days outside the season of Christmas returns (27 December to 31 January)."""
    d = daily.index
    return daily[~((d.month == 1) | ((d.month == 12) & (d.day >= 27)))]


def test_returns_contacts_step_up_at_the_process_change(any_world):
    planted = facts(any_world)["returns_process_change"]
    d = read(any_world, "contact_volume_daily")
    returns = d[d["reason"] == "returns"].groupby("date")["contacts"].sum()
    window = without_christmas_returns(returns["2024-02-01":"2025-12-20"])
    days, y = window.index, window.to_numpy().astype(float)
    # Change point: the day whose segmented model fits best.
    candidates = pd.date_range("2025-02-20", "2025-04-10")
    fits = [poisson_fit(y, its_design(days, c))[2] for c in candidates]
    found = candidates[int(np.argmax(fits))]
    change = pd.Timestamp(planted["date"])
    assert abs((found - change).days) <= 2, (found, change)
    beta, se, _ = poisson_fit(y, its_design(days, change))
    step, slope = beta[2], beta[3]
    assert abs(step - np.log(planted["step_rate_ratio"])) < 4.5 * se[2], (np.exp(step), planted)
    assert abs(slope - planted["slope_change_per_day"]) < 4.5 * se[3], (slope, planted)
    assert slope + 4 * se[3] < 0, "the slope change is plain"
    assert np.exp(step - 2 * se[2]) > 1.25, "the step is plain"
