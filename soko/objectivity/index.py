"""The combined objectivity index: one p-value per unit from its signals' p-values.

Signals are one-sided z's; their p-values are combined by a weighted Cauchy combination
(ACAT; Liu & Xie 2020, JASA)::

    T = Σ w_k tan((½ − p_k) π) / Σ w_k,   p = ½ − arctan(T) / π

over the signals a unit has (NaN signals are left out and the weights renormalised). ACAT's
p is accurate in the tail whatever the correlation between the signals (they are correlated
here: one manipulation moves several), it is dominated by the strongest signal, as a
Bonferroni minimum would be, and gains when several signals agree. A signal far on the
innocent side (p near 1) would pull T towards −∞ and hide a strong one, so p-values above
½ count as ½ (a signal that says nothing): this only makes the index more cautious about
clean evidence, never more suspicious. The index is reported as a z (``index_z``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from soko.objectivity.settings import SIGNALS
from soko.objectivity.stats import p_from_z, z_from_p


def signal_columns(signals: tuple[str, ...] = SIGNALS) -> list[str]:
    return [f"{s}_z" for s in signals]


def cauchy_combination(p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted ACAT over the columns of ``p`` (rows = units); NaN columns are skipped,
    a row with no p-value gives NaN."""
    p = np.asarray(p, dtype="float64")
    w = np.broadcast_to(np.asarray(weights, dtype="float64"), p.shape)
    have = np.isfinite(p) & (w > 0)
    q = np.clip(np.where(have, p, 0.5), 1e-300, 0.5)
    # tan((½ − q)π) = 1 / tan(qπ); for tiny q it is 1 / (qπ) without loss of precision
    t = np.where(q < 1e-15, 1.0 / (q * np.pi), 1.0 / np.tan(q * np.pi))
    wsum = np.where(have, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(have, w * t, 0.0).sum(axis=1) / wsum
        out = stats.cauchy.sf(stat)
    return np.where(wsum > 0, out, np.nan)


def combined_index(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """``index_p``, ``index_z``, ``n_signals`` and ``top_signal`` (the signal with the largest
    z) for every row of a frame holding the ``<signal>_z`` columns."""
    names = [s for s in SIGNALS if f"{s}_z" in frame.columns]
    z = frame[[f"{s}_z" for s in names]].to_numpy(dtype="float64")
    w = np.array([float(weights.get(s, 0.0)) for s in names])
    p = cauchy_combination(p_from_z(z), w)
    have = np.isfinite(z) & (w > 0)
    masked = np.where(have, z, -np.inf)
    top = np.argmax(masked, axis=1) if len(names) else np.zeros(len(frame), dtype=int)
    return pd.DataFrame(
        {
            "index_p": p,
            "index_z": z_from_p(p),
            "n_signals": have.sum(axis=1),
            "top_signal": np.where(have.any(axis=1), np.array(names, dtype=object)[top], None),
        },
        index=frame.index,
    )
