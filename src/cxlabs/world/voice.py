"""The voice of the customer around the surveys: when answers came in, the detractor follow-up
queue, population margins for weighting, every free-text comment with a labelled subset, and
the frontline's beliefs about what causes late-delivery complaints.

Built on ``surveys`` (scores, segment-dependent response) and ``verbatim_themes`` without
changing them: the new tables join to them by ``survey_id``.

Planted truths (``ctx.plant``):

* ``detractor_followup_policy``: the due-date rule of the follow-up queue, and the team that
  misses it most often;
* ``theme_rise``: a theme whose share of comments rises from a dated day (the app release of
  April 2025);
* ``frontline_claims``: one claim the transaction data refutes, one it supports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import CARRIERS, CATEGORIES, CENTRES
from cxlabs.world.contact_centre import CONTACT_MONTH, smooth_month
from cxlabs.world.people import REGIONS, SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import (
    DAY_US,
    NAT,
    US,
    choose,
    codes_of,
    from_us,
    join,
    text,
    to_us,
    where,
)
from cxlabs.world.service import THEMES

FOLLOWUP_TEAMS = ("customer_care", "delivery_ops", "field_service")
FOLLOWUP_OUTCOMES = ("resolved", "apologised", "no_answer")
#: Company policy: a detractor is called back by 17:00 UTC on the second business day
#: (Monday-Friday) after the day the answer came in; an answer at a weekend counts from Monday.
FOLLOWUP_BUSINESS_DAYS = 2
FOLLOWUP_DUE_HOUR = 17
COMMENT_SOURCES = ("survey", "app_review", "complaint_email", "chat_feedback")
#: New comments per customer per year (app reviews, complaint e-mails, chat feedback).
COMMENTS_PER_CUSTOMER_YEAR = 0.18
LABELLED_SHARE = 0.35
RISING_THEME = "app_experience"
RISE_FACTOR = 6.0
#: Base theme mix of comments outside the surveys (order of ``THEMES``).
THEME_MIX = np.array([0.17, 0.14, 0.12, 0.14, 0.14, 0.10, 0.08, 0.11])
#: Theme multipliers per comment source (app_review, complaint_email, chat_feedback).
SOURCE_THEME = {
    "app_review": np.array([0.6, 0.7, 0.7, 1.3, 0.9, 1.0, 1.8, 0.6]),
    "complaint_email": np.array([1.3, 1.2, 1.2, 0.15, 1.2, 1.1, 0.7, 1.3]),
    "chat_feedback": np.array([1.0, 1.3, 1.4, 1.0, 0.9, 0.9, 0.8, 1.0]),
}

CLAIM_TEAMS = ("store_staff", "customer_care")

SURVEY_POPULATION_MARGINS = Table(
    "survey_population_margins",
    "Population margins for weighting survey answers: the customer base at the end of each "
    "quarter (customers signed up by then), by segment and, separately, by region, as the "
    "finance team reports it. The joint segment x region counts are not reported.",
    "quarter, margin and level",
    (
        Column("quarter", "str", "Calendar quarter, e.g. 2025Q2."),
        Column("margin", "str", "Variable of the margin.", allowed=("segment", "region")),
        Column("level", "str", "Value of the variable.", allowed=SEGMENTS + REGIONS),
        Column("customers", "int", "Customers in the base with this value.", unit="customers", min=0),
        Column("share", "float", "Share of the quarter's customer base.", unit="fraction", min=0, max=1),
    ),
    group="voice of the customer",
)

SURVEY_RESPONSES = Table(
    "survey_responses",
    "When each answered survey came back (extends `surveys`, one row per survey with "
    "`responded` true).",
    "answered survey",
    (
        Column("survey_id", "int", "Survey.", unique=True, references="surveys.survey_id"),
        Column("responded_at", "datetime", "When the answer arrived."),
    ),
    group="voice of the customer",
)

DETRACTOR_FOLLOWUPS = Table(
    "detractor_followups",
    "The closed-loop queue: every answer with NPS 0-6 opens a follow-up call by the team that "
    "owns the experience. Company policy: done by 17:00 UTC on the second business day "
    "(Monday-Friday) after the day the answer arrived; an answer at a weekend counts from the "
    "next Monday.",
    "detractor answer",
    (
        Column("followup_id", "int", "Follow-up identifier.", unique=True),
        Column("survey_id", "int", "Survey answered.", unique=True, references="surveys.survey_id"),
        Column("customer_id", "int", "Customer to call back.", references="customers.customer_id"),
        Column("team", "str", "Team that owns the follow-up: delivery_ops for post-delivery surveys, "
               "field_service for installation tickets, customer_care otherwise.", allowed=FOLLOWUP_TEAMS),
        Column("opened_at", "datetime", "When the follow-up opened (the answer arrived)."),
        Column("due_at", "datetime", "When the policy says it must be done."),
        Column("done_at", "datetime", "When the customer was called back (missing while open).",
               nullable=True),
        Column("outcome", "str", "What the call achieved (missing while open).",
               allowed=FOLLOWUP_OUTCOMES, nullable=True),
    ),
    group="voice of the customer",
)

FEEDBACK_COMMENTS = Table(
    "feedback_comments",
    "Every free-text comment the voice-of-the-customer team collects: survey verbatims (the "
    "same text as `surveys.verbatim`) and comments from app-store reviews, complaint e-mails "
    "and the feedback box after a chat.",
    "comment",
    (
        Column("comment_id", "int", "Comment identifier, increasing with time.", unique=True),
        Column("source", "str", "Where the comment came from.", allowed=COMMENT_SOURCES),
        Column("survey_id", "int", "Survey, for survey verbatims.", nullable=True,
               references="surveys.survey_id"),
        Column("customer_id", "int", "Customer who wrote it.", references="customers.customer_id"),
        Column("received_at", "datetime", "When the comment arrived."),
        Column("text", "str", "The comment as written."),
    ),
    group="voice of the customer",
)

COMMENT_LABELS = Table(
    "comment_labels",
    "A labelled subset of `feedback_comments`: a random sample the voice-of-the-customer team "
    "read and tagged with one theme each, for training and judging a theme classifier. People "
    "disagree: about one tag in 25 is not the theme the writer meant (`comment_themes`).",
    "labelled comment",
    (
        Column("comment_id", "int", "Comment.", unique=True, references="feedback_comments.comment_id"),
        Column("theme", "str", "Theme the team tagged.", allowed=THEMES),
    ),
    group="voice of the customer",
)

COMMENT_THEMES = Table(
    "comment_themes",
    "The theme every comment was written about (for survey verbatims, the theme in "
    "`verbatim_themes`).",
    "comment",
    (
        Column("comment_id", "int", "Comment.", unique=True, references="feedback_comments.comment_id"),
        Column("theme", "str", "Theme the comment was written about.", allowed=THEMES),
    ),
    group="voice of the customer", truth=True,
)

FRONTLINE_CLAIMS = Table(
    "frontline_claims",
    "Beliefs frontline teams raised about what causes late-delivery complaints, to be tested "
    "against orders and shipments: orders whose `factor` (a column of `shipments`) equals "
    "`level` arrive late `claimed_rate_ratio` times as often as the other shipped orders "
    "(1.0: simply more often). Late = delivered after the promised day.",
    "claim",
    (
        Column("claim_id", "int", "Claim identifier.", unique=True),
        Column("team", "str", "Team that raised it.", allowed=CLAIM_TEAMS),
        Column("raised_on", "date", "Day it was raised."),
        Column("statement", "str", "The claim in the team's words."),
        Column("factor", "str", "Column of `shipments` the claim is about.",
               allowed=("carrier", "fulfilment_centre")),
        Column("level", "str", "Value of that column the claim blames.", allowed=CARRIERS + CENTRES),
        Column("claimed_rate_ratio", "float", "Late rate of `level` over the late rate of the others, "
                                              "as claimed (1.0: more often, by any amount).", min=1),
    ),
    group="voice of the customer",
)


# ---- population margins ---------------------------------------------------------------------

@generates(SURVEY_POPULATION_MARGINS, needs=("customers",))
def make_survey_population_margins(ctx, rng, customers):
    quarters = pd.period_range(ctx.start, ctx.end, freq="Q")
    signup = customers["signup_date"].to_numpy()
    segment = codes_of(customers["segment"], SEGMENTS)
    region = codes_of(customers["region"], REGIONS)
    ends = quarters.end_time.normalize().to_numpy()
    parts = []
    for margin, codes, levels in (("segment", segment, SEGMENTS), ("region", region, REGIONS)):
        # Customers of each level signed up by each quarter's end: sorted signup days per level.
        counts = np.stack([np.searchsorted(np.sort(signup[codes == k]), ends, side="right")
                           for k in range(len(levels))], axis=1)  # quarter x level
        parts.append(pd.DataFrame({
            "quarter": np.repeat(quarters.astype(str).to_numpy(), len(levels)),
            "margin": margin, "level": np.tile(np.array(levels), len(quarters)),
            "customers": counts.reshape(-1),
            "share": (counts / counts.sum(axis=1, keepdims=True)).reshape(-1),
        }))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["quarter", "margin"], kind="stable").reset_index(drop=True)


# ---- comments -------------------------------------------------------------------------------

OPENERS = ("", "", "", "Hi, ", "Hello, ", "Honestly, ", "So, ", "Just to say, ", "Well, ", "Right, ")
POSITIVE_CLOSERS = ("", "", " Thanks!", " Thank you.", " Keep it up.", " Will buy again.")
NEGATIVE_CLOSERS = ("", "", " Please sort this out.", " Not impressed.", " Very disappointed.",
                    " Thanks.", " Regards.", " I expect better.")
CORES = {
    "late_delivery": (
        "my order arrived days after the promised date.", "the delivery was late again.",
        "still waiting for my parcel, the tracking has not moved.",
        "the delivery date kept slipping.", "the parcel came a week late.",
        "nobody delivered on the day you promised.", "I took a day off and the delivery never came.",
        "delivery was supposed to be Tuesday and it came on Friday.",
        "the courier missed the delivery slot.", "my order is late and nobody can tell me when it will come."),
    "slow_response": (
        "nobody answered my email for days.", "it took ages to get a reply from support.",
        "I waited on hold for forty minutes.", "the chat said an agent would join and nobody did.",
        "I am still waiting for someone to get back to me.", "your support team is far too slow to respond.",
        "I sent three emails before anyone replied.", "the callback I was promised never happened.",
        "it took two days to get a first answer.", "waiting times on the phone are ridiculous."),
    "repeat_contact": (
        "I had to call three times about the same problem.", "every agent asked me to explain it all again.",
        "I contacted you twice and it is still not fixed.", "I keep being passed from one team to another.",
        "each time I call I start from scratch.", "this is the fourth time I am writing about this.",
        "nobody reads the notes from my last call.", "I was told it was fixed but had to chase it again.",
        "I have repeated my order number to five different people.",
        "the same issue keeps coming back and I keep calling."),
    "praise": (
        "great service, friendly and quick.", "very happy, everything went smoothly.",
        "the agent was brilliant and solved it in minutes.", "fantastic experience from start to finish.",
        "really helpful staff, thank you.", "smooth delivery and a lovely product.",
        "the team went out of their way to help.", "quick, easy and painless.",
        "excellent support, could not ask for more.", "the driver was polite and careful."),
    "product_quality": (
        "the product stopped working after a week.", "the build quality feels cheap.",
        "the door seal was faulty out of the box.", "it makes a loud noise when it runs.",
        "the screen cracked within a month.", "it broke down twice already.",
        "the parts feel flimsy and badly made.", "it leaks water onto the floor.",
        "the motor burnt out after a few uses.", "it arrived with a dent and a missing part."),
    "price": (
        "too expensive compared to other shops.", "the discount was not applied at checkout.",
        "the delivery charge was a surprise.", "the price went up the day after I ordered.",
        "you charged me twice for the same order.", "the service plan costs far too much.",
        "the promotion price did not match the advert.", "I found it much cheaper elsewhere.",
        "the extra fees were not shown until the end.", "I am still waiting for my price match refund."),
    "app_experience": (
        "the app keeps logging me out.", "I could not pair the device with the app.",
        "the app is confusing to use.", "since the last update the app crashes all the time.",
        "the app will not load my orders.", "notifications from the app stopped working.",
        "I cannot change my delivery slot in the app.", "the new app version lost my saved devices.",
        "the app freezes when I try to pay.", "the login code never arrives in the app."),
    "installation": (
        "the installer arrived outside the booked slot.", "installation was rescheduled twice.",
        "the fitting was not finished properly.", "the engineer did not bring the right parts.",
        "the installer left a mess behind.", "nobody turned up for the installation appointment.",
        "the machine was installed but not connected to the water.",
        "the installation took three visits.", "the engineer said it could not be fitted today.",
        "the old appliance was not taken away as booked."),
}
DETAILS = {
    "late_delivery": ("I needed it for the weekend.", "The tracking page was useless.",
                      "Delivery is the one thing you had to get right.", "It was meant to be a gift."),
    "slow_response": ("Nobody seems to read the messages.", "The queue never moved.",
                      "I gave up waiting in the end.", "Response times need to improve."),
    "repeat_contact": ("I am tired of repeating myself.", "Nobody takes ownership.",
                       "Please keep notes on the account.", "One call should be enough."),
    "praise": ("I will recommend you to friends.", "Top marks.", "Really impressed.",
               "The whole thing was a pleasure."),
    "product_quality": ("I expected better quality for the money.", "I want a replacement.",
                        "It does not feel durable.", "Quality control needs a look."),
    "price": ("It does not feel like value for money.", "I want the difference refunded.",
              "Pricing should be clearer.", "The costs keep adding up."),
    "app_experience": ("I had to reinstall it twice.", "Please fix the app.",
                       "The website works but the app does not.", "The update made it worse."),
    "installation": ("I waited in all day for the engineer.", "The installer was in a rush.",
                     "I had to get someone else to finish the job.", "Booking the visit was painful."),
}


def _flat(parts: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """All sentences in theme order, each theme's first position, and each theme's count."""
    values = tuple(v for t in THEMES for v in parts[t])
    count = np.array([len(parts[t]) for t in THEMES])
    return values, np.cumsum(count) - count, count


CORE_TEXT, CORE_START, CORE_COUNT = _flat(CORES)
DETAIL_TEXT, DETAIL_START, DETAIL_COUNT = _flat(DETAILS)
#: Cores that borrow the words of other themes (the hard cases for a classifier).
AMBIGUOUS_CORES = {
    "late_delivery": ("I waited in all day and the parcel never came.", "the app said delivered but nothing arrived.",
                      "I called about my delivery and it still came late.", "I paid for express and it came late."),
    "slow_response": ("I asked about my delivery date and nobody replied.", "the engineer's office never called back.",
                      "I reported the fault and waited days for an answer.", "the app chat never answered me."),
    "repeat_contact": ("I rang again about the late delivery, third time now.",
                       "I had to call back about the installation again.",
                       "I reported the same fault twice and nobody followed up.",
                       "I keep calling about the refund for the price difference."),
    "praise": ("the delivery was late but the driver was lovely.", "despite the wait, the agent sorted it all out.",
               "the installer fixed what the app could not.", "good price and the app made it easy."),
    "product_quality": ("the replacement you delivered is faulty too.", "it stopped working and the app shows an error.",
                        "after the installation it started leaking.", "for that price it should not break so fast."),
    "price": ("the delivery fee was more than the item.", "you charged me for an installation that never happened.",
              "the app showed a different price at checkout.", "I called twice to get the discount applied."),
    "app_experience": ("the app shows the wrong delivery date.", "I tried to book the installation in the app and it failed.",
                       "the app would not let me contact support.", "the price in the app changes every time I open it."),
    "installation": ("the engineer arrived late and left early.", "the installer was rude and the fitting is loose.",
                     "the installation was booked but the delivery came without it.",
                     "I waited all day for the fitter, nobody called."),
}
#: Short, vague comments: little to go on (the generic ones below are added to every theme).
SHORT_CORES = {
    "late_delivery": ("where is my order?", "late. again.", "still no parcel."),
    "slow_response": ("no reply yet.", "still waiting for an answer.", "slow."),
    "repeat_contact": ("same problem, again.", "third call.", "not fixed, again."),
    "praise": ("great.", "all good.", "brilliant."),
    "product_quality": ("broken.", "poor quality.", "faulty."),
    "price": ("too dear.", "overcharged.", "pricey."),
    "app_experience": ("app broken.", "the app!", "cannot log in."),
    "installation": ("fitting botched.", "installer no-show.", "bad fitting."),
}
#: Comments that say nothing about what went wrong (or right): every theme uses them.
GENERIC_NEGATIVE = ("not happy.", "disappointed with the whole thing.", "please call me back.",
                    "could be a lot better.", "not what I expected.", "sort it out.")
GENERIC_POSITIVE = ("all good.", "happy.", "no complaints.")
SHORT_CORES = {t: v + (GENERIC_POSITIVE if t == "praise" else GENERIC_NEGATIVE) for t, v in SHORT_CORES.items()}
AMBIGUOUS_TEXT, AMBIGUOUS_START, AMBIGUOUS_COUNT = _flat(AMBIGUOUS_CORES)
SHORT_TEXT, SHORT_START, SHORT_COUNT = _flat(SHORT_CORES)
#: Share of core sentences that are clear, borrow other themes' words, or are short.
CORE_KINDS = (0.62, 0.20, 0.18)
#: Share of the labelled comments the team tagged with another theme than the one meant.
TAGGING_DISAGREEMENT = 0.04
PRAISE = THEMES.index("praise")


def _pick_in(rng, theme: np.ndarray, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """For each row, a random position among its theme's sentences."""
    return start[theme] + (rng.random(len(theme)) * count[theme]).astype(np.int64)


def _comment_text(rng, theme: np.ndarray) -> pd.Series:
    """Comments written about ``theme`` (codes into THEMES): opener, core sentence, an optional
    product, an optional detail (sometimes about another theme), a closer, sometimes in lower case."""
    n = len(theme)
    kind = choose(rng, n, CORE_KINDS)
    pos = np.select([kind == 0, kind == 1],
                    [_pick_in(rng, theme, CORE_START, CORE_COUNT),
                     len(CORE_TEXT) + _pick_in(rng, theme, AMBIGUOUS_START, AMBIGUOUS_COUNT)],
                    len(CORE_TEXT) + len(AMBIGUOUS_TEXT) + _pick_in(rng, theme, SHORT_START, SHORT_COUNT))
    core = text(CORE_TEXT + AMBIGUOUS_TEXT + SHORT_TEXT, pos)
    opener = rng.integers(0, len(OPENERS), n)
    first = where(np.array(OPENERS)[opener] == "", core.str.slice(0, 1).str.upper(), core.str.slice(0, 1))
    core = join(text(OPENERS, opener), first, core.str.slice(1))
    product_form = choose(rng, n, [0.6, 0.15, 0.15, 0.1])
    category = text(CATEGORIES, rng.integers(0, len(CATEGORIES), n))
    product = where(product_form == 0, "", join(text(("", " It was the ", " About my new ", " (Order: "),
                                                     product_form), category,
                                                text(("", ".", ".", ".)"), product_form)))
    # A second sentence: usually about the same theme, sometimes about another one.
    other = np.where(rng.random(n) < 0.35, (theme + rng.integers(1, len(THEMES), n)) % len(THEMES), theme)
    detail = text(DETAIL_TEXT, _pick_in(rng, other, DETAIL_START, DETAIL_COUNT))
    detail = where(rng.random(n) < 0.6, join(" ", detail), "")
    closer = np.where(theme == PRAISE, rng.integers(0, len(POSITIVE_CLOSERS), n),
                      len(POSITIVE_CLOSERS) + rng.integers(0, len(NEGATIVE_CLOSERS), n))
    closer = text(POSITIVE_CLOSERS + NEGATIVE_CLOSERS, closer)
    out = join(core, product, detail, closer)
    return where(rng.random(n) < 0.12, out.str.lower(), out)


def _release_day(rng) -> pd.Timestamp:
    """The app release of April 2025 (a weekday in its first week)."""
    days = pd.date_range("2025-04-01", "2025-04-07", freq="B")
    return days[rng.integers(len(days))]


def _business_due(opened_us: np.ndarray) -> np.ndarray:
    """Due time of follow-ups opened at ``opened_us``: 17:00 UTC on the second business day after."""
    day = (opened_us // DAY_US).astype("datetime64[D]")
    due_day = np.busday_offset(day, FOLLOWUP_BUSINESS_DAYS, roll="forward")
    # busday_offset rolls a weekend day forward to Monday first, then counts from there.
    return due_day.astype("datetime64[us]").astype(np.int64) + FOLLOWUP_DUE_HOUR * 3600 * US


@generates((SURVEY_RESPONSES, DETRACTOR_FOLLOWUPS, FEEDBACK_COMMENTS, COMMENT_LABELS, COMMENT_THEMES),
           needs=("customers", "surveys", "verbatim_themes", "tickets"))
def make_voice(ctx, customers, surveys, verbatim_themes, tickets):
    end_us = to_us(ctx.end)
    # -- when answers came in
    rng = ctx.rng("survey_responses")
    answered = surveys[surveys["responded"].to_numpy()].reset_index(drop=True)
    delay = np.minimum(rng.lognormal(np.log(5), 1.2, len(answered)), 14 * 24) * 3600 * US
    responded_us = np.minimum(to_us(answered["sent_at"]) + delay.astype(np.int64), end_us)
    responses = pd.DataFrame({"survey_id": answered["survey_id"].to_numpy(),
                              "responded_at": from_us(responded_us)}, copy=False)

    followups = _followups(ctx, answered, responded_us, tickets)
    comments, labels, themes = _comments(ctx, customers, answered, responded_us, verbatim_themes)
    return {SURVEY_RESPONSES.name: responses, DETRACTOR_FOLLOWUPS.name: followups,
            FEEDBACK_COMMENTS.name: comments, COMMENT_LABELS.name: labels, COMMENT_THEMES.name: themes}


def _followups(ctx, answered: pd.DataFrame, responded_us: np.ndarray, tickets: pd.DataFrame) -> pd.DataFrame:
    rng = ctx.rng("detractor_followups")
    end_us = to_us(ctx.end)
    detractor = (answered["nps"] <= 6).to_numpy()
    a = answered[detractor].reset_index(drop=True)
    opened = responded_us[detractor]
    n = len(a)
    category = pd.Series(tickets["category"].to_numpy(), index=tickets["ticket_id"].to_numpy())
    ticket_category = category.reindex(a["ticket_id"].fillna(0).to_numpy()).to_numpy()
    team = np.where(a["trigger"].to_numpy() == "post_delivery", FOLLOWUP_TEAMS.index("delivery_ops"),
                    np.where(ticket_category == "installation", FOLLOWUP_TEAMS.index("field_service"),
                             FOLLOWUP_TEAMS.index("customer_care")))
    slow_team = int(rng.integers(2))  # customer_care or delivery_ops: the teams with most follow-ups
    median_h = np.where(team == slow_team, 75.0, 18.0)
    month = ((opened // DAY_US).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    median_h = median_h * np.where(np.isin(month, [11, 12]), 1.5, 1.0)
    took = rng.lognormal(np.log(median_h), 0.8, n) * 3600 * US
    never = rng.random(n) < 0.04
    done = opened + took.astype(np.int64)
    open_now = never | (done > end_us)
    due = _business_due(opened)
    outcome = np.where(open_now, -1, choose(rng, n, [0.55, 0.30, 0.15]))
    on_time = pd.Series(np.where(open_now, False, done <= due)[due <= end_us]).groupby(
        text(FOLLOWUP_TEAMS, team[due <= end_us]).to_numpy()).mean()
    ctx.plant("detractor_followup_policy",
              {"business_days": FOLLOWUP_BUSINESS_DAYS, "due_hour_utc": FOLLOWUP_DUE_HOUR, "weekend": "from Monday",
               "slowest_team": FOLLOWUP_TEAMS[slow_team],
               "on_time_share": {k: round(float(v), 4) for k, v in on_time.items()}},
              "Follow-ups are due at due_hour_utc on the business_days-th business day (Mon-Fri) after the day "
              "the answer arrived; slowest_team takes about four times longer than the others. on_time_share: "
              "share done by the due time, per team, among follow-ups due by the end of the history.")
    return pd.DataFrame({
        "followup_id": np.arange(1, n + 1), "survey_id": a["survey_id"].to_numpy(),
        "customer_id": a["customer_id"].to_numpy(), "team": text(FOLLOWUP_TEAMS, team),
        "opened_at": from_us(opened), "due_at": from_us(due),
        "done_at": from_us(np.where(open_now, NAT, done)), "outcome": text(FOLLOWUP_OUTCOMES, outcome),
    }, copy=False)


def _comments(ctx, customers, answered, responded_us, verbatim_themes):
    rng = ctx.rng("feedback_comments")
    # Survey verbatims, as they are.
    has_text = answered["verbatim"].notna().to_numpy()
    sv = answered[has_text]
    sv_theme = codes_of(pd.Series(verbatim_themes["theme"].to_numpy(), index=verbatim_themes["survey_id"].to_numpy())
                        .reindex(sv["survey_id"].to_numpy()).reset_index(drop=True), THEMES)
    # New comments: when, from whom, from where, about what.
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    years = (days - ctx.start.normalize()).days.to_numpy() / 365.25
    weight = smooth_month(days, CONTACT_MONTH) * np.exp(0.05 * years)
    n_new = rng.poisson(COMMENTS_PER_CUSTOMER_YEAR * len(customers) * len(days) / 365.25)
    day = rng.choice(len(days), n_new, p=weight / weight.sum())
    at = to_us(days)[day] + (rng.random(n_new) * DAY_US).astype(np.int64)
    at.sort()
    source = 1 + choose(rng, n_new, [0.35, 0.35, 0.30])
    release = _release_day(ctx.rng("comment_themes"))
    after = at >= to_us(release)
    months = ((at // DAY_US).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    p = np.broadcast_to(THEME_MIX, (n_new, len(THEMES))).copy()
    for s, mult in SOURCE_THEME.items():
        p[source == COMMENT_SOURCES.index(s)] *= mult
    p[np.isin(months, [11, 12]), THEMES.index("late_delivery")] *= 1.5
    p[after, THEMES.index(RISING_THEME)] *= RISE_FACTOR
    p /= p.sum(axis=1, keepdims=True)
    theme = (rng.random(n_new)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    theme = np.minimum(theme, len(THEMES) - 1)
    customer = customers["customer_id"].to_numpy()[rng.integers(0, len(customers), n_new)]
    new_text = _comment_text(rng, theme)

    # Together, in time order.
    all_at = np.r_[responded_us[has_text], at]
    order = np.argsort(all_at, kind="stable")
    n_sv = int(has_text.sum())
    survey_id = np.r_[sv["survey_id"].to_numpy(), np.zeros(n_new, np.int64)][order]
    comments = pd.DataFrame({
        "comment_id": np.arange(1, len(order) + 1),
        "source": text(COMMENT_SOURCES, np.r_[np.zeros(n_sv, np.int64), source][order]),
        "survey_id": pd.arrays.IntegerArray(survey_id, survey_id == 0),
        "customer_id": np.r_[sv["customer_id"].to_numpy(), customer][order],
        "received_at": from_us(all_at[order]),
        "text": pd.concat([sv["verbatim"].reset_index(drop=True), new_text], ignore_index=True)
        .take(order).reset_index(drop=True),
    }, copy=False)
    all_theme = np.r_[sv_theme, theme][order]
    themes = pd.DataFrame({"comment_id": comments["comment_id"].to_numpy(), "theme": text(THEMES, all_theme)})
    rng_l = ctx.rng("comment_labels")
    labelled = rng_l.random(len(order)) < LABELLED_SHARE
    tag = all_theme[labelled]
    other = rng_l.random(len(tag)) < TAGGING_DISAGREEMENT
    tag = np.where(other, (tag + rng_l.integers(1, len(THEMES), len(tag))) % len(THEMES), tag)
    labels = pd.DataFrame({"comment_id": comments["comment_id"].to_numpy()[labelled], "theme": text(THEMES, tag)})

    share = _monthly_share(all_at[order], all_theme == THEMES.index(RISING_THEME))
    before = share[(share.index >= pd.Period(release, "M") - 12) & (share.index < pd.Period(release, "M"))]
    after_m = share[share.index > pd.Period(release, "M")]
    ctx.plant("theme_rise",
              {"theme": RISING_THEME, "from_date": str(release.date()), "month": str(pd.Period(release, "M")),
               "factor": RISE_FACTOR, "share_12_months_before": round(float(before.mean()), 4),
               "share_after": round(float(after_m.mean()), 4)},
              "Theme whose share of comments rises from from_date (the April 2025 app release): comments "
              "outside the surveys are `factor` times as likely to be about it from then on. Shares are the "
              "mean monthly share of all comments (survey verbatims included) in the 12 months before the "
              "release month and in the months after it.")
    return comments, labels, themes


def _monthly_share(at_us: np.ndarray, flag: np.ndarray) -> pd.Series:
    month = pd.PeriodIndex(from_us(at_us), freq="M")
    return pd.Series(flag).groupby(month).mean()


# ---- frontline claims -----------------------------------------------------------------------

@generates(FRONTLINE_CLAIMS, needs=("orders", "shipments"))
def make_frontline_claims(ctx, rng, orders, shipments):
    order_row = pd.Index(orders["order_id"]).get_indexer(shipments["order_id"])
    delivered = to_us(shipments["delivered_at"])
    late = (delivered - delivered % DAY_US) > to_us(orders["promised_delivery_date"])[order_row]
    carrier = codes_of(shipments["carrier"], CARRIERS)
    centre = codes_of(shipments["fulfilment_centre"], CENTRES)
    late_by_carrier = np.bincount(carrier, weights=late, minlength=len(CARRIERS))
    blamed = int(np.argmax(late_by_carrier))  # the most late parcels: the one people notice
    rate_by_centre = np.bincount(centre, weights=late, minlength=len(CENTRES)) / np.maximum(
        np.bincount(centre, minlength=len(CENTRES)), 1)
    worst = int(np.argmax(rate_by_centre))
    blamed_carrier, worst_centre = CARRIERS[blamed], CENTRES[worst]
    raised = pd.Timestamp("2025-06-02") + pd.to_timedelta(rng.integers(0, 21, 2), unit="D")
    claims = pd.DataFrame({
        "claim_id": [1, 2], "team": list(CLAIM_TEAMS), "raised_on": raised,
        "statement": [f"Most of the late-delivery complaints we hear are about {blamed_carrier}: its "
                      "parcels arrive late twice as often as everyone else's.",
                      f"Orders shipped from {worst_centre} arrive late more often than orders from our "
                      "other centres."],
        "factor": ["carrier", "fulfilment_centre"], "level": [blamed_carrier, worst_centre],
        "claimed_rate_ratio": [2.0, 1.0],
    })

    def ratio(mask):
        return float(late[mask].mean() / late[~mask].mean())

    ctx.plant("frontline_claims",
              {"1": {"verdict": "refuted", "late_rate_ratio": round(ratio(carrier == blamed), 3)},
               "2": {"verdict": "supported", "late_rate_ratio": round(ratio(centre == worst), 3)}},
              "Verdicts of the frontline claims against orders and shipments. Claim 1 blames the carrier "
              "with the most late parcels, which only carries the most parcels: carriers are assigned "
              "independently of lateness. Claim 2 names the centre with the highest late rate.")
    return claims
