"""Signal 6: answer-pattern anomalies — near-identical task-score vectors in a class, and
person misfit against the region's task profile.

Both start from the region's **task profile** of a work: for each primary score T, the share
of participants with that total who got s points on task k, P(s | k, T) (neighbouring totals
pooled until ``profile_n`` participants; a half-count prior from the task's marginal keeps
every feasible score possible). Conditioning on the total makes two strong students' matching
full marks expected, not suspicious.

* **Answer similarity.** For two classmates i, j the number of tasks where their scores
  differ is a sum of independent Bernoulli(1 − m_k) with m_k = Σ_s P(s | k, T_i) P(s | k, T_j)
  under independent work. A pair is *near-identical* if it differs on at most d tasks
  (d = max(1, ⌊share · tasks⌋)); P(differ ≤ d) is exact (elementary symmetric polynomials).
  The class's count of near-identical pairs is compared with the sum of those probabilities
  as Poisson (mid-p); the school's p is the smallest class p with a Šidák correction for its
  number of classes.
* **Person fit (lz).** lz_i = (l_i − E l) / √Var l with l_i = Σ_k log P(x_ik | k, T_i) — the
  polytomous lz of Drasgow et al. against the region's profile (given the total, which plays
  the role of the ability estimate of lz*). The school's mean lz, centred on the region's
  mean, is tested against the region's SD of lz / √n plus the between-school variance τ²;
  large ``person_fit_z`` = many improbable patterns (hard tasks right, easy ones wrong).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.objectivity.settings import Settings
from soko.objectivity.stats import between_variance, poisson_mid_p, z_from_p
from soko.objectivity.works import Work, school_groups

PAIR_CHUNK = 200_000  # pairs per vectorised block (bounds memory in a large region)


def task_profile(scores: np.ndarray, maxima: np.ndarray, min_n: int) -> np.ndarray:
    """P(s | k, T) as an array (max total + 1) × tasks × (max task score + 1).

    Pooling neighbouring totals would bias a sparse total towards its neighbours (near the
    ceiling: too few full marks), so each pooled profile is then exponentially tilted,
    P_k(s) ∝ P_k(s) e^{λs} with one λ per total, until its expected task scores sum to T —
    the one thing known exactly about a participant with that total.
    """
    n, k = scores.shape
    total = scores.sum(axis=1)
    size = int(maxima.sum())
    depth = int(maxima.max()) + 1 if k else 1
    counts = np.zeros((size + 1, k, depth))
    np.add.at(counts, (total[:, None], np.arange(k)[None, :], scores), 1.0)
    feasible = np.arange(depth)[None, :] <= maxima[:, None]  # tasks × depth
    marginal = counts.sum(axis=0) + feasible  # tasks × depth
    marginal = marginal / marginal.sum(axis=1, keepdims=True)
    n_t = np.bincount(total, minlength=size + 1).astype("float64")
    cum = np.concatenate([np.zeros((1, k, depth)), np.cumsum(counts, axis=0)])
    cum_n = np.r_[0.0, np.cumsum(n_t)]
    out = np.empty_like(counts)
    for t in range(size + 1):
        h = 0
        while True:
            lo, hi = max(0, t - h), min(size, t + h)
            if cum_n[hi + 1] - cum_n[lo] >= min(min_n, n) or (lo == 0 and hi == size):
                break
            h += 1
        pooled = cum[hi + 1] - cum[lo] + 0.5 * marginal
        out[t] = pooled / pooled.sum(axis=1, keepdims=True)
    return tilt_to_totals(out * feasible[None, :, :])


def tilt_to_totals(profile: np.ndarray) -> np.ndarray:
    """Tilt each total's profile (e^{λs}, λ by bisection) so its expected score is T."""
    size = profile.shape[0] - 1
    s = np.arange(profile.shape[2], dtype="float64")
    target = np.arange(size + 1, dtype="float64")
    lo = np.full(size + 1, -40.0)
    hi = np.full(size + 1, 40.0)
    with np.errstate(divide="ignore"):
        logp = np.log(profile)

    def tilted(lam: np.ndarray) -> np.ndarray:
        x = logp + lam[:, None, None] * s[None, None, :]
        x = np.exp(x - x.max(axis=2, keepdims=True))
        return x / x.sum(axis=2, keepdims=True)

    for _ in range(60):
        mid = 0.5 * (lo + hi)
        expected = (tilted(mid) * s).sum(axis=(1, 2))
        low = expected < target
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    return tilted(0.5 * (lo + hi))


def class_pairs(order_groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs (i < j) inside each group of row indices, with the group's number."""
    first, second, group = [], [], []
    for g, rows in enumerate(order_groups):
        a, b = np.triu_indices(len(rows), 1)
        first.append(rows[a])
        second.append(rows[b])
        group.append(np.full(len(a), g))
    if not first:
        empty = np.zeros(0, dtype="int64")
        return empty, empty, empty
    return np.concatenate(first), np.concatenate(second), np.concatenate(group)


def prob_at_most(match: np.ndarray, d: int) -> np.ndarray:
    """P(at most d of the Bernoulli(1 − match_k) mismatches occur), per row of ``match``."""
    m = np.clip(match, 1e-12, 1.0)
    r = (1.0 - m) / m
    base = np.exp(np.log(m).sum(axis=1))
    powers = [np.ones(len(m))] + [(r**j).sum(axis=1) for j in range(1, d + 1)]
    e = [np.ones(len(m))]  # elementary symmetric polynomials by Newton's identities
    for j in range(1, d + 1):
        e.append(sum((-1) ** (i - 1) * e[j - i] * powers[i] for i in range(1, j + 1)) / j)
    return np.clip(base * sum(e), 0.0, 1.0)


def similarity_signal(work: Work, profile: np.ndarray, settings: Settings) -> pd.DataFrame:
    """Per school: its most suspicious class, that class's observed and expected number of
    near-identical pairs, and ``answer_similarity_z``."""
    codes, groups = school_groups(work.school)
    out = pd.DataFrame({"school_code": codes})
    out["similarity_class"] = pd.Series([None] * len(codes), dtype="object")
    for col in ("similarity_pairs", "similarity_observed", "similarity_expected"):
        out[col] = np.nan
    out["similarity_n_classes"] = 0
    out["answer_similarity_z"] = np.nan
    n_tasks = work.scores.shape[1]
    d = max(1, int(np.floor(settings.near_identical_share * n_tasks)))
    out["similarity_max_diff"] = d
    if len(work) == 0 or n_tasks < 2:
        return out
    school_n = np.bincount(groups, minlength=len(codes))
    keys = pd.DataFrame({"g": groups, "c": work.class_label})
    members = [
        rows
        for (g, _), rows in keys.groupby(["g", "c"], sort=True).indices.items()
        if len(rows) >= settings.class_n and school_n[g] >= settings.unit_n
    ]
    labels = [work.class_label[rows[0]] for rows in members]
    cls_school = np.array([groups[rows[0]] for rows in members], dtype="int64")
    first, second, pair_class = class_pairs(members)
    total = work.scores.sum(axis=1)  # the profile's index (= the primary score)
    observed = np.zeros(len(members))
    expected = np.zeros(len(members))
    for start in range(0, len(first), PAIR_CHUNK):
        i, j = first[start : start + PAIR_CHUNK], second[start : start + PAIR_CHUNK]
        pi, pj = profile[total[i]], profile[total[j]]  # pairs × tasks × depth
        match = np.einsum("pks,pks->pk", pi, pj)
        differ = (work.scores[i] != work.scores[j]).sum(axis=1)
        cls = pair_class[start : start + PAIR_CHUNK]
        observed += np.bincount(cls, weights=differ <= d, minlength=len(members))
        expected += np.bincount(cls, weights=prob_at_most(match, d), minlength=len(members))
    if not members:
        return out
    pairs = np.array([len(r) * (len(r) - 1) / 2 for r in members])
    p_class = poisson_mid_p(observed, expected)
    classes = pd.DataFrame({"g": cls_school, "p": p_class, "i": np.arange(len(members))})
    n_classes = classes.groupby("g").size()
    best = classes.sort_values(["g", "p", "i"]).groupby("g").head(1).set_index("g")["i"]
    g = best.index.to_numpy()
    i = best.to_numpy()
    p_school = 1.0 - (1.0 - p_class[i]) ** n_classes.loc[g].to_numpy()
    out.loc[g, "similarity_class"] = np.array(labels, dtype=object)[i]
    out.loc[g, "similarity_pairs"] = pairs[i]
    out.loc[g, "similarity_observed"] = observed[i]
    out.loc[g, "similarity_expected"] = expected[i]
    out.loc[g, "similarity_n_classes"] = n_classes.loc[g].to_numpy()
    out.loc[g, "answer_similarity_z"] = z_from_p(p_school)
    return out


def person_fit_stats(work: Work, profile: np.ndarray, settings: Settings) -> pd.DataFrame:
    """Per school: mean lz of its participants, the region's mean and SD of lz for the work
    and the number of participants with a defined lz (all-zero and full scores have none)."""
    codes, groups = school_groups(work.school)
    out = pd.DataFrame({"school_code": codes})
    if len(work) == 0 or work.scores.shape[1] < 2:
        for col in ("lz_mean", "lz_n", "region_lz_mean", "region_lz_sd"):
            out[col] = np.nan
        return out
    lz = person_lz(work.scores, work.scores.sum(axis=1), profile)
    ok = np.isfinite(lz)
    n = np.bincount(groups, weights=ok, minlength=len(codes))
    s = np.bincount(groups, weights=np.where(ok, lz, 0.0), minlength=len(codes))
    out["lz_n"] = n
    out["lz_mean"] = np.where(n >= settings.unit_n, s / np.maximum(n, 1), np.nan)
    out["region_lz_mean"] = float(lz[ok].mean()) if ok.any() else np.nan
    out["region_lz_sd"] = float(lz[ok].std()) if ok.sum() > 1 else np.nan
    return out


def person_lz(scores: np.ndarray, total: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Polytomous lz of each participant against the profile at their total (NaN if the
    profile leaves no uncertainty, e.g. a zero or a full score)."""
    p = profile[total.clip(0, profile.shape[0] - 1)]  # n × tasks × depth
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)
    k = np.arange(scores.shape[1])
    observed = logp[np.arange(len(scores))[:, None], k[None, :], scores].sum(axis=1)
    mean_k = (p * logp).sum(axis=2)
    var_k = (p * logp**2).sum(axis=2) - mean_k**2
    var = var_k.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lz = (observed - mean_k.sum(axis=1)) / np.sqrt(var)
    return np.where(var > 1e-9, lz, np.nan)


def person_fit_signal(stats: pd.DataFrame) -> pd.DataFrame:
    """Add ``person_fit_z`` = −(school mean lz − region mean) / √(sd²/n + τ²), τ² per subject."""
    out = stats.copy()
    effect = (out["lz_mean"] - out["region_lz_mean"]).to_numpy(dtype="float64")
    var = (out["region_lz_sd"] ** 2 / out["lz_n"].clip(lower=1)).to_numpy(dtype="float64")
    z = np.full(len(out), np.nan)
    for subject in out["subject"].unique():
        sel = (out["subject"] == subject).to_numpy() & np.isfinite(effect) & np.isfinite(var)
        tau2 = between_variance(effect[sel], var[sel])
        z[sel] = -effect[sel] / np.sqrt(var[sel] + tau2)
    out["person_fit_z"] = z
    return out
