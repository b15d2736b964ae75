"""Signal 2: ВПР marks against journal marks, in both directions.

For each school the mean gap d̄ = mean(journal mark − ВПР mark) over its participants with
both marks — it grows with both the share and the size of mismatches — is judged twice:

* **against the region's schools**: e = d̄ − D (D the region's mean gap for the work), with
  ``z_b = e / √(s²_D / n + τ²)``, s²_D the region's variance of individual gaps, n the
  school's participants with both marks and τ² the between-school variance of the subject's
  schools (``stats.between_variance``, years and grades pooled). Journals differ between
  schools for ordinary reasons (teachers' habits), hence τ².
* **against the school's own other works**: c = e − ē₋, ē₋ the mean of e over the school's
  other works (every year; at least ``MIN_OTHER_WORKS``), with
  ``z_w = c / √(s²_D / n + Σ v₋ / m² + τ²_w)`` (m other works with sampling variances v₋,
  τ²_w calibrated the same way). A school's habitual leniency cancels, so a work whose journal
  (or ВПР) jumps away from the school's usual gap stands out even in a large school, where
  the between-school spread τ² would hide it.

The two one-sided p-values of each direction are combined by the Cauchy combination
(``index.cauchy_combination``, valid whatever their correlation): large
``journal_above_vpr_z`` — the journal is inflated against ВПР; large ``vpr_above_journal_z``
— ВПР results are above what the school's own teachers give. The shares of each direction
and of gaps ≥ 2 are kept for the evidence text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.objectivity.index import cauchy_combination
from soko.objectivity.settings import Settings
from soko.objectivity.stats import between_variance, p_from_z, z_from_p
from soko.objectivity.works import Work, school_groups

DIRECTIONS: tuple[str, ...] = ("journal_above_vpr", "vpr_above_journal")
MIN_OTHER_WORKS = 3  # the school's usual gap needs at least this many other judged works


def journal_counts(work: Work) -> pd.DataFrame:
    """Per school: participants with both marks, counts by direction and of gaps ≥ 2, the sum
    of gaps, and the region's figures for the work (``region_*``)."""
    codes, groups = school_groups(work.school)
    both = ~np.isnan(work.journal)
    diff = np.where(both, work.journal - work.mark, 0.0)

    def count(values: np.ndarray) -> np.ndarray:
        return np.bincount(groups, weights=values, minlength=len(codes))

    out = pd.DataFrame(
        {
            "school_code": codes,
            "journal_n": count(both),
            "journal_above_vpr_count": count(both & (diff > 0)),
            "vpr_above_journal_count": count(both & (diff < 0)),
            "journal_large_gap_count": count(both & (np.abs(diff) >= 2)),
            "journal_gap_sum": count(diff),
        }
    )
    n_region = int(both.sum())
    gaps = diff[both]
    out["region_journal_gap"] = float(gaps.mean()) if n_region else np.nan
    out["region_journal_gap_var"] = float(gaps.var(ddof=1)) if n_region > 1 else np.nan
    for direction, mask in (("journal_above_vpr", gaps > 0), ("vpr_above_journal", gaps < 0)):
        out[f"region_share_{direction}"] = float(mask.mean()) if n_region else np.nan
    out["region_share_large_gap"] = float((np.abs(gaps) >= 2).mean()) if n_region else np.nan
    return out


def journal_signal(counts: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Add the school's shares, ``journal_gap`` and the two one-sided z's (τ² per subject)."""
    out = counts.copy()
    n = out["journal_n"].to_numpy(dtype="float64")
    safe_n = np.maximum(n, 1)
    for direction in DIRECTIONS:
        out[f"share_{direction}"] = np.where(n > 0, out[f"{direction}_count"] / safe_n, np.nan)
    out["share_large_gap"] = np.where(n > 0, out["journal_large_gap_count"] / safe_n, np.nan)
    out["journal_gap"] = np.where(n > 0, out["journal_gap_sum"] / safe_n, np.nan)
    effect = (out["journal_gap"] - out["region_journal_gap"]).to_numpy(dtype="float64")
    var = (out["region_journal_gap_var"] / safe_n).to_numpy(dtype="float64")
    usable = (n >= settings.journal_n) & np.isfinite(effect) & np.isfinite(var)
    effect, var = np.where(usable, effect, np.nan), np.where(usable, var, np.nan)
    between = np.full(len(out), np.nan)
    for subject in out["subject"].unique():
        sel = usable & (out["subject"] == subject).to_numpy()
        tau2 = between_variance(effect[sel], var[sel])
        between[sel] = effect[sel] / np.sqrt(var[sel] + tau2)
    out["journal_between_z"] = between
    out["journal_school_usual_gap"], out["journal_within_z"] = _within_school(out, effect, var)
    within = out["journal_within_z"].to_numpy(dtype="float64")
    for direction, sign in (("journal_above_vpr", 1.0), ("vpr_above_journal", -1.0)):
        p = p_from_z(np.column_stack([sign * between, sign * within]))
        out[f"{direction}_z"] = z_from_p(cauchy_combination(p, np.ones(2)))
    return out


def _within_school(
    frame: pd.DataFrame, effect: np.ndarray, var: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the school's usual gap from its other works, z of the contrast), τ²_w per subject."""
    school = frame["school_code"].to_numpy()
    ok = np.isfinite(effect)
    parts = pd.DataFrame(
        {
            "school": school,
            "e": np.where(ok, effect, 0.0),
            "v": np.where(ok, var, 0.0),
            "k": ok.astype(float),
        }
    )
    sums = parts.groupby("school")[["e", "v", "k"]].transform("sum").to_numpy()
    m = sums[:, 2] - ok
    with np.errstate(invalid="ignore", divide="ignore"):
        usual = (sums[:, 0] - np.where(ok, effect, 0.0)) / m
        contrast = effect - usual
        c_var = var + (sums[:, 1] - np.where(ok, var, 0.0)) / m**2
    enough = ok & (m >= MIN_OTHER_WORKS)
    z = np.full(len(frame), np.nan)
    for subject in frame["subject"].unique():
        sel = enough & (frame["subject"] == subject).to_numpy()
        tau2 = between_variance(contrast[sel], c_var[sel])
        z[sel] = contrast[sel] / np.sqrt(c_var[sel] + tau2)
    region_gap = frame["region_journal_gap"].to_numpy(dtype="float64")
    return np.where(enough, usual + region_gap, np.nan), z
