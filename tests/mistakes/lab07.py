"""Common wrong answers for Lab 07 (Voice of the customer and closed loops).

Each source replaces a whole answer cell of ``solutions/lab07/lab07_voice_of_customer.ipynb``;
the exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_SCORES = '''
def score_summary(answers, confidence=0.95):
    z = Z
    rows = {}
    nps = answers["nps"]NPS_NA.astype(float)
    p, d = (nps >= PROMOTER).mean(), (nps <= DETRACTOR).mean()
    se = NPS_SE
    rows["nps"] = (len(nps), 100 * (p - d), 100 * se)
    csat = answers["csat"].dropna().astype(float)
    q = (csat >= TOP).mean()
    rows["csat"] = (len(csat), 100 * q, 100 * np.sqrt(q * (1 - q) / len(csat)))
    ces = answers["ces"].dropna().astype(float)
    rows["ces"] = (len(ces), ces.mean(), ces.std(ddof=DDOF) / np.sqrt(len(ces)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["n", "estimate", "se"])
    out["low"] = out["estimate"] - z * out["se"]
    out["high"] = out["estimate"] + z * out["se"]
    out.index.name = "metric"
    return out[["n", "estimate", "low", "high"]]
'''


def _scores(z="stats.norm.ppf(1 - (1 - confidence) / 2)", nps_na=".dropna()", promoter="9", detractor="6",
            se="np.sqrt((p + d - (p - d) ** 2) / len(nps))", top="4", ddof="1") -> str:
    return (_SCORES.replace("NPS_NA", nps_na).replace("NPS_SE", se).replace("PROMOTER", promoter)
            .replace("DETRACTOR", detractor).replace("TOP", top).replace("DDOF", ddof).replace("= Z", "= " + z))


_RAKE = '''
def rake_weights(respondents, targets, tol=1e-6, max_iter=100):
    w = pd.Series(1.0, index=respondents.index)
    for _ in range(PASSES):
        for column, share in targets.items():
            current = w.groupby(respondents[column]).sum() / w.sum()
            w = w * respondents[column].map(RATIO).astype(float)
        gap = max((w.groupby(respondents[c]).sum() / w.sum() - s).abs().max() for c, s in targets.items())
        if gap < tol:
            break
    return RESULT
'''


def _rake(passes="max_iter", ratio="share / current", result="w / w.mean()") -> str:
    return _RAKE.replace("PASSES", passes).replace("RATIO", ratio).replace("RESULT", result)


_STATUS = '''
def followup_status(followups, as_of):
    f = __KEEP__
    day = f["opened_at"].dt.normalize()
    due = pd.Series(__DUE__, index=f.index)
    done = __DONE__
    status = np.select([done & (f["done_at"] __ON_TIME__ due), done, due __OVERDUE__ as_of], ["on_time", "late", "overdue"],
                       "open")
    return pd.DataFrame({"due_at": due, "status": status}).set_axis(f["followup_id"]).rename_axis("followup_id")
'''
_POLICY_DUE = ('pd.to_datetime(np.busday_offset(day.to_numpy().astype("datetime64[D]"), 2, roll="forward"))'
               ' + pd.Timedelta(hours=17)')


def _status(keep='followups[followups["opened_at"] <= as_of]', due=_POLICY_DUE, done='f["done_at"].notna() & (f["done_at"] <= as_of)', on_time="<=",
            overdue="<") -> str:
    return (_STATUS.replace("__KEEP__", keep).replace("__DUE__", due).replace("__DONE__", done)
            .replace("__ON_TIME__", on_time).replace("__OVERDUE__", overdue))


_THEMES = '''
def predict_themes(train_texts, train_themes, texts):
    model = MODEL
    model.fit(train_texts, train_themes)
    return RESULT
'''


def _themes(model="make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=1000))",
            result='pd.Series(model.predict(texts), index=texts.index, name="theme")') -> str:
    return _THEMES.replace("MODEL", model).replace("RESULT", result)


_KEYWORDS = '''
def predict_themes(train_texts, train_themes, texts):
    words = {"late_delivery": ["late", "deliver", "parcel"], "slow_response": ["reply", "wait", "answer", "slow"],
             "repeat_contact": ["again", "twice", "third", "times"], "praise": ["great", "happy", "thank", "good"],
             "product_quality": ["broke", "faulty", "quality", "leak"],
             "price": ["price", "charge", "expensive", "discount", "fee"], "app_experience": ["app"],
             "installation": ["install", "engineer", "fitt"]}
    def rule(text):
        text = text.lower()
        for theme, keys in words.items():
            if any(k in text for k in keys):
                return theme
        return train_themes.mode()[0]
    return texts.map(rule)
'''

_Z = '''
def escalation_z(counts, baseline_months=6):
    n = counts.sum(axis=1)
    P0
    share = counts.div(n, axis=0)
    z = (share - p0) / np.sqrt(SE_SHARE * (1 - SE_SHARE)).div(np.sqrt(n), axis=0)
    return z.where((p0 > 0) & (p0 < 1)).where(n > 0, axis=0).astype(float)
'''
_POOLED = ('p0 = counts.rolling(baseline_months).sum().shift(SHIFT).div('
           'n.rolling(baseline_months).sum().shift(SHIFT), axis=0)')


def _z(p0=_POOLED, shift="1", se_share="p0") -> str:
    return _Z.replace("P0", p0.replace("SHIFT", shift)).replace("SE_SHARE", se_share)


_DRIVERS = '''
def key_drivers(data, outcome, drivers):
    X = np.column_stack(INTERCEPT[data[d].astype(float) for d in drivers])
    y = data[outcome].astype(float).to_numpy()
    coef = np.linalg.lstsq(X, y, rcond=None)[0]SLICE
    beta = BETA
    return pd.DataFrame({"coef": coef, "beta": beta}, index=pd.Index(list(drivers), name="driver"))
'''


def _drivers(intercept="[np.ones(len(data))] + ", cut="[1:]",
             beta="coef * data[list(drivers)].astype(float).std().to_numpy() / y.std(ddof=1)") -> str:
    return _DRIVERS.replace("INTERCEPT", intercept).replace("SLICE", cut).replace("BETA", beta)


_SIMPLE = '''
def key_drivers(data, outcome, drivers):
    y = data[outcome].astype(float)
    coef = [np.polyfit(data[d].astype(float), y, 1)[0] for d in drivers]
    beta = [data[d].astype(float).corr(y) for d in drivers]
    return pd.DataFrame({"coef": coef, "beta": beta}, index=pd.Index(list(drivers), name="driver"))
'''

_CLAIM = '''
def claim_test(orders, shipments, claim, confidence=0.95):
    m = shipments.merge(MERGE, on="order_id")
    late = LATE
    blamed = m[claim["factor"]] == claim["level"]
    a, n1 = late[blamed].sum(), blamed.sum()
    b, n2 = OTHERS
    ratio = (a / n1) / (b / n2)
    spread = stats.norm.ppf(1 - (1 - confidence) / 2) * np.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    low, high = INTERVAL
    claimed = claim["claimed_rate_ratio"]
    verdict = VERDICT
    return {"late_rate": float(a / n1), "others_late_rate": float(b / n2), "rate_ratio": float(ratio),
            "low": float(low), "high": float(high), "verdict": verdict}
'''


def _claim(merge='orders[["order_id", "promised_delivery_date"]]',
           late='m["delivered_at"].dt.normalize() > m["promised_delivery_date"]',
           others="late[~blamed].sum(), (~blamed).sum()",
           interval="ratio * np.exp(-spread), ratio * np.exp(spread)",
           verdict='"supported" if low > claimed else "refuted" if high < claimed else "undecided"') -> str:
    return (_CLAIM.replace("MERGE", merge).replace("LATE", late).replace("OTHERS", others)
            .replace("INTERVAL", interval).replace("VERDICT", verdict))


MISTAKES = {
    "ex1_answer": [
        Mistake("NPS interval as one proportion", _scores(se="np.sqrt((p - d) * (1 - (p - d)) / len(nps))"),
                visible="one proportion"),
        Mistake("NPS variance without the covariance", _scores(se="np.sqrt((p * (1 - p) + d * (1 - d)) / len(nps))"),
                visible="covariance"),
        Mistake("7 and 8 counted as promoters", _scores(promoter="7"), visible="counted as promoters"),
        Mistake("6 counted as a passive", _scores(detractor="5"), visible="6s were not counted"),
        Mistake("CSAT counts only the 5s", _scores(top="5"), visible="only the 5s"),
        Mistake("CES with ddof=0", _scores(ddof="0"), visible="ddof=0"),
        Mistake("missing NPS counted as 0 (detractors)", _scores(nps_na=".fillna(0)"), visible=None),
        Mistake("missing CES kept in n", _scores().replace('answers["ces"].dropna()', 'answers["ces"].fillna(0)'),
                visible="missing scores were counted"),
        Mistake("z fixed at 1.96", _scores(z="1.96"), visible="not a fixed 1.96"),
    ],
    "ex2_answer": [
        Mistake("one pass through the margins", _rake(passes="1"), visible="only one pass"),
        Mistake("ratio upside down", _rake(ratio="current / share"), visible="upside down"),
        Mistake("weights not scaled to mean 1", _rake(result="w / w.sum()"), visible="not scaled"),
        Mistake("index reset", _rake(result="(w / w.mean()).reset_index(drop=True)"),
                visible="keep the index of respondents"),
    ],
    "ex3_answer": [
        Mistake("due 48 hours after opening", _status(due='f["opened_at"] + pd.Timedelta(hours=48)'),
                visible="48 hours"),
        Mistake("two calendar days", _status(due="day + pd.Timedelta(days=2, hours=17)"), visible="calendar days"),
        Mistake("weekend counted from the weekend day (BDay)",
                _status(due="day + pd.offsets.BDay(2) + pd.Timedelta(hours=17)"), visible="weekend answer"),
        Mistake("due at midnight", _status(due=_POLICY_DUE.replace(" + pd.Timedelta(hours=17)", "")),
                visible="midnight"),
        Mistake("call-backs after as_of counted", _status(done='f["done_at"].notna()'), visible="AFTER as_of"),
        Mistake("done exactly at the due time counted late", _status(on_time="<"), visible="exactly at the due time"),
        Mistake("due exactly at as_of counted overdue", _status(overdue="<="), visible="due exactly at as_of"),
        Mistake("follow-ups opened after as_of kept", _status(keep="followups"),
                visible="opened AFTER as_of"),
    ],
    "ex4_answer": [
        Mistake("predicts the commonest theme",
                _themes(model="make_pipeline(TfidfVectorizer(), DummyClassifier())").replace(
                    "    model = ", "    from sklearn.dummy import DummyClassifier\n    model = "),
                visible="same theme"),
        Mistake("returns an array", _themes(result="model.predict(texts)"), visible="array or a list"),
        Mistake("loses the index of texts", _themes(result='pd.Series(model.predict(texts), name="theme")'),
                visible="index of texts"),
        Mistake("keyword rules instead of a model", _KEYWORDS, visible=None),
        Mistake("too strongly regularised on too few words",
                _themes(model="make_pipeline(TfidfVectorizer(max_features=12), LogisticRegression(C=0.01))"),
                visible=None),
    ],
    "ex5_answer": [
        Mistake("baseline includes the month itself", _z(shift="0"), visible="includes the month itself"),
        Mistake("baseline is the mean of monthly shares",
                _z(p0="p0 = counts.div(n, axis=0).rolling(baseline_months).mean().shift(1)"),
                visible="mean of the monthly shares"),
        Mistake("standard error from the month's own share", _z(se_share="share"), visible="month's own share"),
        Mistake("baseline over the whole history",
                _z(p0="p0 = pd.DataFrame(np.tile((counts.sum() / n.sum()).to_numpy(), (len(counts), 1)), "
                      "index=counts.index, columns=counts.columns)"), visible="first months"),
    ],
    "ex6_answer": [
        Mistake("correlations one at a time", _SIMPLE, visible="one at a time"),
        Mistake("no intercept", _drivers(intercept="", cut=""), visible="no intercept"),
        Mistake("beta not standardised", _drivers(beta="coef"), visible="beta equals coef"),
        Mistake("beta not divided by sd(outcome)",
                _drivers(beta="coef * data[list(drivers)].astype(float).std().to_numpy()"),
                visible="not divided by sd(outcome)"),
    ],
    "ex7_answer": [
        Mistake("late compared as timestamps", _claim(late='m["delivered_at"] > m["promised_delivery_date"]'),
                visible="promised day itself"),
        Mistake("late counts compared, not rates",
                _claim(others="late[~blamed].sum(), n1").replace("(a / n1) / (b / n2)", "a / b"),
                visible="NUMBERS of late shipments"),
        Mistake("level compared with all shipments", _claim(others="late.sum(), len(late)"), visible="ALL shipments"),
        Mistake("symmetric interval", _claim(interval="ratio - ratio * spread, ratio + ratio * spread"),
                visible="symmetric"),
        Mistake("verdict from the point estimate",
                _claim(verdict='"supported" if ratio > claimed else "refuted"'), visible="ratio is above"),
        Mistake("whole orders table merged (fulfilment_centre collides)", _claim(merge="orders"), visible=None),
    ],
}
