"""The contact centre: half-hour intervals per live channel, the staffing plan, shrinkage, daily
contact volume by reason, and the marketing campaign calendar that makes the peaks.

The contact centre answers every customer of the company, so its volumes are those of the whole
business (thousands of contacts a day) and do not grow with the size of the world that is built:
``tickets`` holds the cases of the customers in ``customers`` only. Both follow the same
calendar: campaign peaks (the January sale, Black Friday to Cyber Monday, the Christmas
delivery push...), a busier November and December, and the returns-process change of
March 2025.

Planted truths (``ctx.plant``):

* ``campaign_contact_uplift``: how much each campaign raises contacts about orders, delivery,
  installation, products and billing (not returns or privacy);
* ``staffing_shortfall``: one live channel's staffing plan forecasts campaign days as if there
  were no campaign, so on those days it has fewer agents than Erlang C asks for;
* ``service_level_at_peaks``: that channel misses its service-level target on campaign days
  while the other channel meets it;
* ``returns_process_change``: the day the returns process changed, the step in daily contacts
  about returns (a rate ratio) and the change in their daily log-linear trend after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaincc, gammaln

from cxlabs.schema import Column, Table
from cxlabs.world.registry import generates
from cxlabs.world.sampling import US, from_us, text, to_us

#: Channels answered live by agents from a queue (phone and chat), and every assisted channel.
LIVE_CHANNELS = ("phone", "chat")
CONTACT_CHANNELS = ("phone", "chat", "email")
#: Contact reasons: the ticket categories of ``service.TICKET_CATEGORIES`` (not imported, so that
#: this module registers its tables without registering the service tables early).
REASONS = ("delivery", "installation", "product_fault", "returns", "billing", "account_privacy")
#: Opening hours (UTC): the first interval starts at OPEN_HOUR, the last ends at CLOSE_HOUR.
OPEN_HOUR, CLOSE_HOUR = 7, 22
INTERVAL_MINUTES = 30
INTERVALS_PER_DAY = (CLOSE_HOUR - OPEN_HOUR) * 60 // INTERVAL_MINUTES
#: Company policy: share of contacts to answer within the target time, per live channel.
SERVICE_TARGETS = {"phone": (0.80, 20), "chat": (0.80, 60)}
#: Range of the shrinkage each channel's plan allows for (the value is drawn per world).
PLANNED_SHRINKAGE = (0.28, 0.34)
#: Mean handling time (talk or chat plus wrap-up), seconds.
AHT_SECONDS = {"phone": 390.0, "chat": 540.0}
#: Contacts per day at the start of 2024 on an average weekday-weighted day, before season.
DAILY_BASE = {"phone": 2400.0, "chat": 1100.0, "email": 650.0}
#: Share of each channel's contacts by reason (order of ``REASONS``: delivery, installation,
#: product_fault, returns, billing, account_privacy).
REASON_SHARES = {
    "phone": (0.30, 0.13, 0.12, 0.14, 0.23, 0.08),
    "chat": (0.34, 0.10, 0.12, 0.12, 0.24, 0.08),
    "email": (0.22, 0.08, 0.16, 0.12, 0.28, 0.14),
}
#: Relative volume per calendar month, read at mid-month and interpolated between (no steps).
CONTACT_MONTH = np.array([1.06, 0.92, 0.92, 0.94, 0.96, 0.96, 1.04, 0.96, 0.96, 1.00, 1.12, 1.18])
#: Relative volume by day of week, Monday first.
DOW_LIVE = np.array([1.18, 1.08, 1.03, 1.00, 0.97, 0.80, 0.68])
DOW_EMAIL = np.array([1.25, 1.10, 1.05, 1.00, 0.95, 0.60, 0.55])
GROWTH_PER_YEAR = 0.05  # log-linear
DAY_NOISE_SD = 0.05     # one multiplicative shock per day, shared by channels and reasons
#: Reasons a marketing campaign brings contacts about (returns and privacy are not affected).
CAMPAIGN_REASONS = ("delivery", "installation", "product_fault", "billing")
#: Share of live contacts from business (B2B) customers: the segment priority routing favours.
BUSINESS_SHARE = 0.07
#: Planning buffer: the plan meets the target at this multiple of the forecast.
PLAN_BUFFER = 1.15
SHRINKAGE_REASONS = ("absence", "training", "meetings", "breaks")
SHRINKAGE_SPLIT = (0.30, 0.20, 0.15, 0.35)
CAMPAIGN_KINDS = ("sale", "promotion", "product_launch")

SERVICE_TARGETS_TABLE = Table(
    "service_targets",
    "The contact centre's service-level policy per live channel (company policy, not a law): "
    "answer `target_share` of contacts within `target_seconds`, counting abandoned contacts as "
    "missed. Also the opening hours and the shrinkage the staffing plan allows for.",
    "live channel",
    (
        Column("channel", "str", "Live contact channel.", allowed=LIVE_CHANNELS, unique=True),
        Column("target_share", "float", "Share of offered contacts to answer within the target time.",
               unit="fraction", min=0, max=1),
        Column("target_seconds", "int", "Target time to answer.", unit="seconds", min=1),
        Column("planned_shrinkage", "float", "Share of scheduled agent time the plan expects to lose "
               "to absence, training, meetings and breaks.", unit="fraction", min=0, max=1),
        Column("opens_at", "str", "Time the channel opens every day (UTC, HH:MM)."),
        Column("closes_at", "str", "Time the channel closes every day (UTC, HH:MM)."),
    ),
    group="contact centre",
)

CAMPAIGN_CALENDAR = Table(
    "campaign_calendar",
    "The marketing calendar the contact centre is sent in advance: sales, promotions and "
    "launches, in every market. Campaign days bring more contacts about orders, delivery, "
    "installation, products and billing.",
    "campaign",
    (
        Column("campaign_id", "int", "Campaign identifier.", unique=True),
        Column("campaign_name", "str", "Name of the campaign."),
        Column("kind", "str", "Kind of campaign.", allowed=CAMPAIGN_KINDS),
        Column("start_date", "date", "First day of the campaign."),
        Column("end_date", "date", "Last day of the campaign (inclusive)."),
    ),
    group="contact centre",
)

CONTACT_VOLUME_DAILY = Table(
    "contact_volume_daily",
    "Contacts the contact centre received each day, per channel and reason (from the "
    "telephony, chat and e-mail platforms; the whole company's customers, not only those in "
    "`customers`). Phone and chat contacts are those offered in `contact_intervals`.",
    "day, channel and contact reason",
    (
        Column("date", "date", "Day (UTC)."),
        Column("channel", "str", "Contact channel.", allowed=CONTACT_CHANNELS),
        Column("reason", "str", "What the contact was about (the ticket categories).", allowed=REASONS),
        Column("contacts", "int", "Contacts received.", unit="contacts", min=0),
    ),
    group="contact centre",
)

CONTACT_INTERVALS = Table(
    "contact_intervals",
    "Half-hour intervals of the live channels (phone, chat) from the contact centre's routing "
    "platform, while open (07:00-22:00 UTC). Service level = answered within target / offered "
    "(company policy: abandoned contacts count as missed).",
    "half-hour interval and live channel",
    (
        Column("interval_start", "datetime", "Start of the 30-minute interval (UTC)."),
        Column("channel", "str", "Live channel.", allowed=LIVE_CHANNELS),
        Column("offered", "int", "Contacts that reached the queue.", unit="contacts", min=0),
        Column("offered_business", "int", "Of `offered`, contacts from business (B2B) customers.",
               unit="contacts", min=0),
        Column("handled", "int", "Contacts an agent answered.", unit="contacts", min=0),
        Column("abandoned", "int", "Contacts that hung up or left before an answer "
               "(`offered` = `handled` + `abandoned`).", unit="contacts", min=0),
        Column("answered_within_target", "int", "Handled contacts answered within the channel's "
               "target time (`service_targets`).", unit="contacts", min=0),
        Column("aht_seconds", "float", "Average handling time of the handled contacts (talk or chat "
               "plus wrap-up); missing when none was handled.", unit="seconds", min=0, nullable=True),
        Column("asa_seconds", "float", "Average speed of answer: mean wait of the handled contacts; "
               "missing when none was handled.", unit="seconds", min=0, nullable=True),
        Column("agents_available", "int", "Agents logged in and available to take contacts in the "
               "interval (scheduled agents minus shrinkage).", unit="agents", min=0),
    ),
    group="contact centre",
)

STAFFING_PLAN = Table(
    "staffing_plan",
    "The workforce plan per half-hour interval and live channel, made before the day: the "
    "forecast it was built on and the agents scheduled. Agents available are fewer "
    "(`agent_shrinkage`).",
    "half-hour interval and live channel",
    (
        Column("interval_start", "datetime", "Start of the 30-minute interval (UTC)."),
        Column("channel", "str", "Live channel.", allowed=LIVE_CHANNELS),
        Column("forecast_offered", "float", "Contacts the planners expected.", unit="contacts", min=0),
        Column("forecast_aht_seconds", "float", "Average handling time the planners expected.",
               unit="seconds", min=0),
        Column("scheduled_agents", "int", "Agents on shift (before shrinkage).", unit="agents", min=0),
    ),
    group="contact centre",
)

AGENT_SHRINKAGE = Table(
    "agent_shrinkage",
    "Scheduled agent hours per day and live channel, and the hours lost to shrinkage by reason. "
    "Actual shrinkage = lost hours / scheduled hours.",
    "day and live channel",
    (
        Column("date", "date", "Day (UTC)."),
        Column("channel", "str", "Live channel.", allowed=LIVE_CHANNELS),
        Column("scheduled_hours", "float", "Agent hours on shift.", unit="hours", min=0),
    ) + tuple(Column(f"{r}_hours", "float", f"Scheduled hours lost to {r}.", unit="hours", min=0)
              for r in SHRINKAGE_REASONS),
    group="contact centre",
)


# ---- the calendar ---------------------------------------------------------------------------

def _days(ctx) -> pd.DatetimeIndex:
    return pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")


def _campaigns(ctx, rng) -> pd.DataFrame:
    """Six campaigns a year; dates move a little from year to year, Black Friday follows the calendar."""
    rows = []
    for year in range(ctx.start.year, ctx.end.year + 1):
        first_thursday = 1 + (3 - pd.Timestamp(year, 11, 1).weekday()) % 7
        black_friday = pd.Timestamp(year, 11, first_thursday + 22)  # the day after the 4th Thursday
        j = rng.integers(0, 4, 6)
        rows += [
            ("January sale", "sale", pd.Timestamp(year, 1, 2) + pd.Timedelta(days=int(j[0])), 12),
            ("Spring sale", "sale", pd.Timestamp(year, 4, 22) + pd.Timedelta(days=int(j[1])), 7),
            ("Summer cooling promotion", "promotion", pd.Timestamp(year, 7, 1) + pd.Timedelta(days=int(j[2])), 10),
            ("Smart-home week", "product_launch", pd.Timestamp(year, 9, 8) + pd.Timedelta(days=int(j[3])), 7),
            ("Black Friday to Cyber Monday", "sale", black_friday, 4),
            ("Christmas delivery push", "promotion", pd.Timestamp(year, 12, 4) + pd.Timedelta(days=int(j[5])), 12),
        ]
    c = pd.DataFrame(rows, columns=["campaign_name", "kind", "start_date", "length"])
    c["end_date"] = c["start_date"] + pd.to_timedelta(c["length"] - 1, unit="D")
    c = c.sort_values("start_date", kind="stable").reset_index(drop=True)
    big = (c["campaign_name"] == "Black Friday to Cyber Monday").to_numpy()
    c["uplift"] = np.round(np.where(big, rng.uniform(1.65, 1.9, len(c)), rng.uniform(1.35, 1.65, len(c))), 3)
    c["campaign_id"] = np.arange(1, len(c) + 1)
    return c


def smooth_month(days: pd.DatetimeIndex, weights: np.ndarray) -> np.ndarray:
    """Monthly weights read at mid-month and interpolated linearly between (cyclic)."""
    pos = days.month.to_numpy() - 1 + (days.day.to_numpy() - 0.5) / days.days_in_month.to_numpy() - 0.5
    knots = np.arange(-1, 13)
    return np.interp(pos, knots, np.r_[weights[-1], weights, weights[0]])


def _returns_season(days: pd.DatetimeIndex) -> np.ndarray:
    """Contacts about returns: flat, except for Christmas returns from 27 December through January."""
    doy = days.day_of_year.to_numpy()
    january = days.month.to_numpy() == 1
    late_dec = (days.month.to_numpy() == 12) & (days.day.to_numpy() >= 27)
    return np.where(late_dec, 1.4, np.where(january, 1.4 - 0.4 * (doy - 1) / 31, 1.0))


def _change_day(ctx, rng) -> pd.Timestamp:
    """The returns-process change: a weekday in the first three weeks of March 2025."""
    candidates = pd.date_range("2025-03-03", "2025-03-21", freq="B")
    return candidates[rng.integers(len(candidates))]


# ---- Erlang C -------------------------------------------------------------------------------

def _erlang_b(agents: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang B blocking probability, B(N, A) = Poisson pmf(N; A) / cdf(N; A), in log space (stable)."""
    n = np.asarray(agents, dtype=float)
    a = np.maximum(np.asarray(load, dtype=float), 1e-300)
    log_pmf = n * np.log(a) - a - gammaln(n + 1)
    cdf = gammaincc(n + 1, a)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        b = np.exp(log_pmf) / cdf
    return np.where(np.asarray(load) > 0, np.minimum(b, 1.0), np.where(n == 0, 1.0, 0.0))


def erlang_c(agents, load) -> np.ndarray:
    """Probability that a contact waits (Erlang C), for ``agents`` N and offered ``load`` A (erlangs).

    C = N B / (N - A (1 - B)) with B the Erlang B probability; 1.0 where N <= A (the queue
    never empties).
    """
    n = np.asarray(agents, dtype=float)
    a = np.asarray(load, dtype=float)
    b = _erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1 - b))
    return np.where(n > a, c, 1.0)


def agents_needed(load, aht, target_share, target_seconds) -> np.ndarray:
    """Smallest N (at least 1) whose Erlang C service level reaches ``target_share``.

    Starts every row at the first N above its load and steps up with the Erlang B recursion
    B(n) = A B(n-1) / (n + A B(n-1)).
    """
    load = np.asarray(load, dtype=float)
    a = load.reshape(-1)
    h = np.broadcast_to(np.asarray(aht, dtype=float), load.shape).reshape(-1)
    n = np.floor(a) + 1
    b = _erlang_b(n, a)
    need = np.zeros(a.size, dtype=np.int64)
    rows = np.arange(a.size)  # rows still looking for their N
    while rows.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = n * b / (n - a * (1 - b))
        done = 1 - c * np.exp(-(n - a) * target_seconds / h) >= target_share
        need[rows[done]] = n[done]
        keep = ~done
        rows, a, h, n, b = rows[keep], a[keep], h[keep], n[keep] + 1, b[keep]
        b = a * b / (n + a * b)
    return need.reshape(load.shape)


# ---- generators -----------------------------------------------------------------------------

@generates(SERVICE_TARGETS_TABLE)
def make_service_targets(ctx, rng):
    return pd.DataFrame({
        "channel": list(LIVE_CHANNELS),
        "target_share": [SERVICE_TARGETS[c][0] for c in LIVE_CHANNELS],
        "target_seconds": [SERVICE_TARGETS[c][1] for c in LIVE_CHANNELS],
        "planned_shrinkage": np.round(rng.uniform(*PLANNED_SHRINKAGE, len(LIVE_CHANNELS)), 2),
        "opens_at": f"{OPEN_HOUR:02d}:00", "closes_at": f"{CLOSE_HOUR:02d}:00",
    })


@generates(CAMPAIGN_CALENDAR)
def make_campaign_calendar(ctx, rng):
    c = _campaigns(ctx, rng)
    ctx.plant("campaign_contact_uplift",
              {str(i): float(u) for i, u in zip(c["campaign_id"], c["uplift"], strict=True)},
              "Campaign id -> factor by which the campaign multiplies daily contacts about delivery, "
              "installation, product faults and billing on its days (returns and privacy unaffected).")
    return c[["campaign_id", "campaign_name", "kind", "start_date", "end_date"]]


def _expected_volume(ctx, campaigns: pd.DataFrame, change: dict) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Expected contacts per (day, channel, reason), and the campaign factor per (day, reason)."""
    days = _days(ctx)
    n = len(days)
    years = (days - ctx.start.normalize()).days.to_numpy() / 365.25
    season = smooth_month(days, CONTACT_MONTH)
    returns_season = _returns_season(days)
    growth = np.exp(GROWTH_PER_YEAR * years)
    dow = days.day_of_week.to_numpy()
    campaign = np.ones((n, len(REASONS)))
    affected = np.isin(np.array(REASONS), CAMPAIGN_REASONS)
    day_us = to_us(days)
    for start, end, uplift in zip(to_us(campaigns["start_date"]), to_us(campaigns["end_date"]),
                                  campaigns["uplift"], strict=True):
        on = (day_us >= start) & (day_us <= end)
        campaign[np.ix_(on, affected)] = uplift
    t0 = pd.Timestamp(change["date"])
    after = np.asarray(days >= t0)
    since = (days - t0).days.to_numpy()
    step = np.where(after, np.exp(np.log(change["step_rate_ratio"]) + change["slope_change_per_day"] * since), 1.0)
    lam = np.empty((n, len(CONTACT_CHANNELS), len(REASONS)))
    ret = REASONS.index("returns")
    for j, ch in enumerate(CONTACT_CHANNELS):
        week = (DOW_EMAIL if ch == "email" else DOW_LIVE)[dow]
        base = DAILY_BASE[ch] * growth * week
        for r in range(len(REASONS)):
            s = returns_season * step if r == ret else season
            lam[:, j, r] = base * REASON_SHARES[ch][r] * s * campaign[:, r]
    return days, lam, campaign


def _profiles() -> dict[tuple[str, bool], np.ndarray]:
    """Share of a day's contacts per half-hour interval, per live channel, weekday or weekend."""
    mid = OPEN_HOUR + (np.arange(INTERVALS_PER_DAY) + 0.5) * INTERVAL_MINUTES / 60
    out = {}
    for ch in LIVE_CHANNELS:
        late = 1.0 if ch == "chat" else 0.0  # chat peaks later in the evening
        weekday = (np.exp(-0.5 * ((mid - 10.5) / 1.6) ** 2) + 0.85 * np.exp(-0.5 * ((mid - 14.5) / 1.8) ** 2)
                   + (0.25 + 0.25 * late) * np.exp(-0.5 * ((mid - 19.5) / 1.5) ** 2) + 0.06)
        weekend = np.exp(-0.5 * ((mid - 12.5) / 2.8) ** 2) + (0.2 + 0.2 * late) * np.exp(
            -0.5 * ((mid - 19.0) / 1.5) ** 2) + 0.08
        out[ch, False] = weekday / weekday.sum()
        out[ch, True] = weekend / weekend.sum()
    return out


@generates((CONTACT_VOLUME_DAILY, CONTACT_INTERVALS, STAFFING_PLAN, AGENT_SHRINKAGE),
           needs=("campaign_calendar", "service_targets"))
def make_contact_centre(ctx, campaign_calendar, service_targets):
    """Daily volume by reason, then the live channels' intervals, the plan and shrinkage.

    The campaign uplifts are drawn again from ``campaign_calendar``'s stream (same draws, so the
    same values) rather than stored in the learner-facing calendar.
    """
    campaigns = _campaigns(ctx, ctx.rng("campaign_calendar"))

    rng = ctx.rng("contact_volume_daily")
    t0 = _change_day(ctx, rng)
    change = {"date": str(t0.date()), "reason": "returns",
              "step_rate_ratio": round(float(rng.uniform(1.35, 1.6)), 3),
              "slope_change_per_day": round(float(rng.uniform(-0.0010, -0.0005)), 5)}
    days, lam, campaign = _expected_volume(ctx, campaigns, change)
    shock = rng.gamma(1 / DAY_NOISE_SD**2, DAY_NOISE_SD**2, len(days))
    counts = rng.poisson(lam * shock[:, None, None])
    ctx.plant("returns_process_change", change,
              "Returns-process change: from `date`, expected daily contacts about returns are multiplied "
              "by step_rate_ratio * exp(slope_change_per_day * days since the change) (log-linear), "
              "on top of the trend before it; other reasons do not change.")
    nd, nc, nr = counts.shape
    daily = pd.DataFrame({
        "date": np.repeat(days.to_numpy(), nc * nr),
        "channel": text(CONTACT_CHANNELS, np.tile(np.repeat(np.arange(nc), nr), nd)),
        "reason": text(REASONS, np.tile(np.arange(nr), nd * nc)),
        "contacts": counts.reshape(-1),
    }, copy=False)

    shrinkage = dict(zip(service_targets["channel"], service_targets["planned_shrinkage"], strict=True))
    intervals, plan, shrink = _live_channels(ctx, days, lam, counts, campaign, shrinkage)
    return {CONTACT_VOLUME_DAILY.name: daily, CONTACT_INTERVALS.name: intervals,
            STAFFING_PLAN.name: plan, AGENT_SHRINKAGE.name: shrink}


def _live_channels(ctx, days, lam, counts, campaign, planned_shrinkage):
    rng_i = ctx.rng("contact_intervals")
    rng_p = ctx.rng("staffing_plan")
    rng_s = ctx.rng("agent_shrinkage")
    failing = LIVE_CHANNELS[rng_p.integers(len(LIVE_CHANNELS))]
    profiles = _profiles()
    weekend = days.day_of_week.to_numpy() >= 5
    on_campaign = campaign.max(axis=1) > 1
    interval_us = (to_us(days)[:, None] + (OPEN_HOUR * 3600 * US
                   + np.arange(INTERVALS_PER_DAY) * INTERVAL_MINUTES * 60 * US)[None, :]).reshape(-1)
    parts_i, parts_p, parts_s = [], [], []
    facts = {}
    for j, ch in enumerate(LIVE_CHANNELS):
        share, target_s = SERVICE_TARGETS[ch]
        shrink_plan = float(planned_shrinkage[ch])
        total = counts[:, j, :].sum(axis=1)
        expected = lam[:, j, :].sum(axis=1)
        # The plan's forecast: the expected volume, without campaign uplift on the failing channel.
        forecast_day = (lam[:, j, :] / campaign).sum(axis=1) if ch == failing else expected
        offered = np.empty((len(days), INTERVALS_PER_DAY), dtype=np.int64)
        profile = np.empty((len(days), INTERVALS_PER_DAY))
        for we in (False, True):
            rows = weekend == we
            offered[rows] = rng_i.multinomial(total[rows], profiles[ch, we])
            profile[rows] = profiles[ch, we]
        offered = offered.reshape(-1)
        forecast = (forecast_day[:, None] * profile).reshape(-1)
        expected_i = (expected[:, None] * profile).reshape(-1)
        aht_plan = AHT_SECONDS[ch]
        scheduled = np.ceil(agents_needed(forecast * PLAN_BUFFER * aht_plan / 1800, aht_plan, share, target_s)
                            / (1 - shrink_plan)).astype(np.int64)
        # Actual shrinkage varies by day around the plan; each scheduled agent is lost independently.
        shrink_day = np.clip(rng_s.normal(shrink_plan, 0.02, len(days)), 0.15, 0.5)
        available = rng_s.binomial(scheduled, np.repeat(1 - shrink_day, INTERVALS_PER_DAY))
        lost = scheduled - available
        lost_day = lost.reshape(len(days), -1).sum(axis=1)
        by_reason = rng_s.multinomial(lost_day, SHRINKAGE_SPLIT) * INTERVAL_MINUTES / 60
        parts_s.append(pd.DataFrame({
            "date": days.to_numpy(), "channel": ch,
            "scheduled_hours": scheduled.reshape(len(days), -1).sum(axis=1) * INTERVAL_MINUTES / 60,
            **{f"{r}_hours": by_reason[:, k] for k, r in enumerate(SHRINKAGE_REASONS)},
        }))
        # What happened in each interval, from Erlang C with a little abandonment.
        aht_true = AHT_SECONDS[ch] * np.repeat(rng_i.lognormal(0, 0.03, len(days)), INTERVALS_PER_DAY)
        load = offered * aht_true / (INTERVAL_MINUTES * 60)
        pw = erlang_c(available, load)
        stable = available > load
        late = np.where(stable, pw * np.exp(-(available - load) * target_s / aht_true), 1.0)
        abandon = np.where(stable, 0.005 + 0.2 * late,
                           np.maximum(0.205, 1 - 0.97 * available / np.maximum(load, 1e-9)))
        answered_share = np.maximum(1 - late, 0.02)
        abandoned = rng_i.binomial(offered, np.minimum(abandon, 0.98))
        handled = offered - abandoned
        within = rng_i.binomial(handled, np.minimum(1.0, answered_share / (1 - np.minimum(abandon, 0.98))))
        with np.errstate(divide="ignore", invalid="ignore"):
            asa = np.where(stable, np.minimum(pw * aht_true / (available - load), 600.0), 600.0)
            noise = np.exp(rng_i.normal(0, 1, len(offered)) * 0.4 / np.sqrt(np.maximum(handled, 1)))
        none = handled == 0
        aht_obs = np.where(none, np.nan, np.round(aht_true * noise, 1))
        asa_obs = np.where(none, np.nan, np.round(asa * rng_i.lognormal(0, 0.15, len(offered)), 1))
        parts_i.append(pd.DataFrame({
            "interval_start": interval_us, "channel": ch, "offered": offered,
            "offered_business": rng_i.binomial(offered, BUSINESS_SHARE), "handled": handled,
            "abandoned": abandoned, "answered_within_target": within,
            "aht_seconds": aht_obs, "asa_seconds": asa_obs, "agents_available": available,
        }))
        parts_p.append(pd.DataFrame({
            "interval_start": interval_us, "channel": ch, "forecast_offered": np.round(forecast, 1),
            "forecast_aht_seconds": aht_plan, "scheduled_agents": scheduled,
        }))
        # Facts: service level on campaign days and off them; Erlang C shortfall on campaign days.
        peak = np.repeat(on_campaign, INTERVALS_PER_DAY)
        need = agents_needed(expected_i * aht_plan / 1800, aht_plan, share, target_s)
        facts[ch] = {
            "peak_service_level": round(float(within[peak].sum() / offered[peak].sum()), 4),
            "offpeak_service_level": round(float(within[~peak].sum() / offered[~peak].sum()), 4),
            "peak_mean_shortfall_agents": round(float((need - available)[peak].mean()), 2),
            "offpeak_mean_shortfall_agents": round(float((need - available)[~peak].mean()), 2),
        }
    ctx.plant("staffing_shortfall",
              {"channel": failing, "cause": "forecast_without_campaign_uplift",
               "peak_mean_shortfall_agents": facts[failing]["peak_mean_shortfall_agents"],
               "by_channel": {ch: {k: v for k, v in f.items() if "shortfall" in k} for ch, f in facts.items()}},
              "The live channel whose staffing plan forecasts campaign days without the campaign's uplift, "
              "and the mean shortfall (Erlang C agents needed for the target at the expected load, minus "
              "agents available) over campaign-day intervals, per channel.")
    ctx.plant("service_level_at_peaks",
              {"channel": failing, "target": SERVICE_TARGETS[failing][0],
               "by_channel": {ch: {k: v for k, v in f.items() if "service_level" in k} for ch, f in facts.items()}},
              "Channel that misses its service-level target on campaign days (peaks), and each channel's "
              "service level (answered within target / offered) on campaign days and on other days.")
    intervals = pd.concat(parts_i, ignore_index=True)
    plan = pd.concat(parts_p, ignore_index=True)
    order = np.lexsort((codes(intervals["channel"]), intervals["interval_start"].to_numpy()))
    intervals = intervals.iloc[order].reset_index(drop=True)
    plan = plan.iloc[order].reset_index(drop=True)
    for df in (intervals, plan):
        df["interval_start"] = from_us(df["interval_start"].to_numpy())
    shrink = pd.concat(parts_s, ignore_index=True)
    shrink = shrink.iloc[np.lexsort((codes(shrink["channel"]), shrink["date"].to_numpy()))].reset_index(drop=True)
    return intervals, plan, shrink


def codes(channel: pd.Series) -> np.ndarray:
    return pd.Index(LIVE_CHANNELS).get_indexer(channel)

