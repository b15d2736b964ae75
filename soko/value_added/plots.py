"""Charts of the value-added pages: caterpillar, funnel and bubble plots of school effects.

Every chart draws one point per school with at least ``min_group()`` students (smaller
schools are left out, as on every other chart: ``soko.plots.drop_small``). Effects are in
SD units of the region's outcome, so 0 is «as expected» on every chart. Colours tell the
band, which is decided by the school's 95 % interval, not by its point. Labels are Russian.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from soko.plots import drop_small
from soko.timing import CHARTS, timed

BANDS: tuple[str, ...] = ("above", "average", "below")
BAND_COLORS: dict[str, str] = {"above": "#1f618d", "average": "#5d6d7e", "below": "#c0392b"}
BAND_NAMES: dict[str, str] = {
    "above": "выше ожидаемого",
    "average": "на уровне ожидаемого",
    "below": "ниже ожидаемого",
}
OTHER_COLOR = "#cdd3d3"  # schools outside the highlighted municipality

# Two-sided normal quantiles of the control limits: 95 % and 99.8 % (Spiegelhalter's
# «2 and 3 sigma» funnel limits).
Z95 = 1.959963984540054
Z998 = 3.090232306167813
EFFECT_LABEL = "эффект школы, ст. откл. результата"


def funnel_limit(
    n: float | np.ndarray,
    residual_variance: float,
    school_variance: float | None = None,
    z: float = Z95,
) -> float | np.ndarray:
    """Half-width of the funnel at a school size ``n``: z × the SE of a school of that size.

    The plotted effects are empirical-Bayes estimates from the multilevel model, and a
    school's band is decided by ``effect ± 1.96 se``. With a pooled within-school
    (residual) variance σ² and between-school variance τ², the prediction-error variance of
    a school with ``n`` students (random intercept, fixed effects taken as known) is

        se²(n) = 1 / (n / σ² + 1 / τ²) = σ² τ² / (n τ² + σ²),

    so the limits ``± z · se(n)`` separate exactly the schools whose interval excludes 0:
    a school outside the 95 % funnel is «выше/ниже ожидаемого». Without τ² (``None`` or
    not positive) this is the classic funnel of unshrunken means, ``± z · σ / √n``
    (Spiegelhalter 2005). The formula leaves out the uncertainty of the fixed effects and
    of a municipality level; where that matters (school-level covariates) the page draws
    the funnel against precision instead (``soko.value_added.report.funnel_axis``).
    """
    n_arr = np.asarray(n, dtype=float)
    if school_variance is None or not school_variance > 0:
        se = np.sqrt(residual_variance / n_arr)
    else:
        se = np.sqrt(1.0 / (n_arr / residual_variance + 1.0 / school_variance))
    out = z * se
    return float(out) if out.ndim == 0 else out


def _schools(df: pd.DataFrame, columns: list[str], min_n: int | None) -> pd.DataFrame:
    """Schools that may be drawn: big enough and with the values a chart needs.

    Never fewer than the suppression minimum; ``min_n`` can only raise it (the value-added
    config lists no school under ``min_students_listed``).
    """
    data = drop_small(df)
    if min_n is not None:
        data = data[data["n"] >= min_n]
    return data.dropna(subset=columns).reset_index(drop=True)


def _highlighted(data: pd.DataFrame, municipality: str | None) -> pd.Series:
    if municipality is None:
        return pd.Series(True, index=data.index)
    return data["municipality_code"].astype(str) == str(municipality)


def _legend(
    ax: plt.Axes,
    data: pd.DataFrame,
    municipality: str | None,
    extra: list[Line2D] | None = None,
    **kw: object,
) -> None:
    """Bands present among the coloured schools (plus ``extra`` handles, e.g. limit lines)."""
    present = set(data.loc[_highlighted(data, municipality), "band"])
    handles = [
        Line2D([], [], ls="", marker="o", color=BAND_COLORS[b], label=BAND_NAMES[b])
        for b in BANDS
        if b in present
    ]
    if municipality is not None and not _highlighted(data, municipality).all():
        handles.append(
            Line2D([], [], ls="", marker="o", color=OTHER_COLOR, label="другие школы региона")
        )
    handles += extra or []
    ax.legend(handles=handles, frameon=False, fontsize=8, **kw)  # type: ignore[arg-type]


def _scatter_by_band(
    ax: plt.Axes,
    data: pd.DataFrame,
    x: pd.Series,
    y: pd.Series,
    municipality: str | None,
    sizes: pd.Series | None = None,
    alpha: float = 1.0,
) -> None:
    """Other municipalities' schools in pale grey underneath, the rest coloured by band."""
    mine = _highlighted(data, municipality)
    size = pd.Series(22.0, index=data.index) if sizes is None else sizes
    if (~mine).any():
        ax.scatter(
            x[~mine], y[~mine], s=size[~mine], color=OTHER_COLOR, edgecolor="white", zorder=2
        )
    for band in BANDS:
        part = mine & (data["band"] == band)
        if part.any():
            ax.scatter(
                x[part],
                y[part],
                s=size[part],
                color=BAND_COLORS[band],
                edgecolor="white",
                linewidth=0.6,
                alpha=alpha,
                zorder=3,
            )


@timed(CHARTS)
def caterpillar(
    df: pd.DataFrame,
    *,
    municipality: str | None = None,
    min_n: int | None = None,
    title: str = "",
) -> Figure:
    """Schools ranked by effect with their 95 % intervals.

    On a municipality page the whole region is drawn and the municipality's schools are
    coloured: a reader sees where they stand among all schools, not only among neighbours.
    """
    data = _schools(df, ["effect", "ci_low", "ci_high", "band"], min_n)
    data = data.sort_values("effect", kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    rank = pd.Series(np.arange(1, len(data) + 1), index=data.index, dtype=float)
    mine = _highlighted(data, municipality)
    colors = [BAND_COLORS[b] if m else OTHER_COLOR for b, m in zip(data["band"], mine, strict=True)]
    ax.vlines(rank, data["ci_low"], data["ci_high"], colors=colors, lw=1.0, zorder=1)
    _scatter_by_band(ax, data, rank, data["effect"], municipality)
    ax.axhline(0, color="black", lw=0.9)
    ax.set_xlim(0, len(data) + 1)
    ax.set_xticks([])
    ax.set_xlabel("школы, упорядоченные по эффекту")
    ax.set_ylabel(EFFECT_LABEL)
    ax.set_title(title)
    if len(data):
        _legend(ax, data, municipality, loc="upper left")
    fig.tight_layout()
    return fig


@timed(CHARTS)
def funnel(
    df: pd.DataFrame,
    *,
    x: str = "n",
    residual_variance: float | None = None,
    school_variance: float | None = None,
    municipality: str | None = None,
    min_n: int | None = None,
    title: str = "",
) -> Figure:
    """Effect against school size (``x="n"``) or precision 1/se (``x="precision"``).

    The lines are the 95 % and 99.8 % control limits around 0 (``funnel_limit``): against
    n they come from the model's pooled variances; against precision p they are ± z / p,
    which needs no model and matches the bands by construction. Points outside the funnel
    are schools whose difference from the expected is more than chance at that size.
    """
    if x not in ("n", "precision"):
        raise ValueError(f"x must be 'n' or 'precision', not {x!r}")
    if x == "n" and residual_variance is None:
        raise ValueError("a funnel against n needs the model's residual variance")
    data = _schools(df, ["effect", "se", "band"], min_n)
    data = data[data["se"] > 0].reset_index(drop=True)
    xs = data["n"].astype(float) if x == "n" else 1.0 / data["se"].astype(float)
    fig, ax = plt.subplots(figsize=(8.5, 4.6))
    _scatter_by_band(ax, data, xs, data["effect"], municipality)
    if len(data):
        lo, hi = float(xs.min()), float(xs.max())
        grid = np.linspace(max(lo * 0.9, 1e-9), hi * 1.05, 200)
        for z, style, name in ((Z95, "--", "95 %"), (Z998, ":", "99,8 %")):
            if x == "n":
                half = funnel_limit(grid, float(residual_variance), school_variance, z)  # type: ignore[arg-type]
            else:
                half = z / grid
            ax.plot(grid, half, color="#2c3e50", ls=style, lw=1.1, label=f"границы {name}")
            ax.plot(grid, -np.asarray(half), color="#2c3e50", ls=style, lw=1.1)
        span = float(data["effect"].abs().max())
        ax.set_ylim(-1.35 * span - 0.05, 1.35 * span + 0.05)
    ax.axhline(0, color="black", lw=0.9)
    ax.set_xlabel("число обучающихся" if x == "n" else "точность оценки (1 / стандартная ошибка)")
    ax.set_ylabel(EFFECT_LABEL)
    ax.set_title(title)
    if len(data):
        limits = [ln for ln in ax.get_lines() if not str(ln.get_label()).startswith("_")]
        _legend(ax, data, municipality, limits, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


QUADRANTS: dict[tuple[bool, bool], str] = {
    # (above the region's mean result, value added above 0)
    (True, True): "высокие результаты,\nвыше ожидаемого",
    (False, True): "низкие результаты,\nвыше ожидаемого",
    (True, False): "высокие результаты,\nниже ожидаемого",
    (False, False): "низкие результаты,\nниже ожидаемого",
}


@timed(CHARTS)
def bubble(
    df: pd.DataFrame,
    *,
    municipality: str | None = None,
    min_n: int | None = None,
    title: str = "",
) -> Figure:
    """Value added against the school's own mean result; bubble area ∝ students.

    The two questions are different: a school can have high results and add little
    (strong intake), or low results and add much. The region's mean result is 0 (the
    outcome is a z-score over the region), so the axes split the schools into quadrants.
    """
    data = _schools(df, ["effect", "outcome_mean", "band"], min_n)
    fig, ax = plt.subplots(figsize=(7.5, 5.2))
    n = data["n"].astype(float)
    sizes = 12.0 + 260.0 * n / max(float(n.max()), 1.0) if len(data) else n
    _scatter_by_band(ax, data, data["outcome_mean"], data["effect"], municipality, sizes, 0.75)
    ax.axhline(0, color="black", lw=0.9)
    ax.axvline(0, color="black", lw=0.9)
    xspan = max(float(data["outcome_mean"].abs().max()) if len(data) else 0.0, 0.1) * 1.25
    yspan = max(float(data["effect"].abs().max()) if len(data) else 0.0, 0.05) * 1.35
    ax.set_xlim(-xspan, xspan)
    ax.set_ylim(-yspan, yspan)
    for (right, top), text in QUADRANTS.items():
        ax.text(
            0.98 if right else 0.02,
            0.98 if top else 0.02,
            text,
            transform=ax.transAxes,
            ha="right" if right else "left",
            va="top" if top else "bottom",
            fontsize=8,
            color="#566573",
        )
    ax.set_xlabel("средний результат школы, ст. откл. от среднего по региону")
    ax.set_ylabel(EFFECT_LABEL)
    ax.set_title(title)
    if len(data):
        _legend(ax, data, municipality, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def drawn_points(fig: Figure) -> int:
    """How many school points a chart drew (scatter offsets): for tests and sanity checks."""
    total = 0
    for ax in fig.axes:
        for coll in ax.collections:
            if type(coll).__name__ == "PathCollection":
                total += len(coll.get_offsets())
    return total
