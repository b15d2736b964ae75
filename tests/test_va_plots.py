"""Value-added charts: funnel limits by hand, one point per listed school, no small schools."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.figure
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from soko.config import min_group
from soko.value_added import plots
from tests import va_frames

matplotlib.use("Agg")


def _scatters(fig: matplotlib.figure.Figure) -> list:
    return [c for c in fig.axes[0].collections if type(c).__name__ == "PathCollection"]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    va = va_frames.va_schools_frame(va_frames.schools_frame(30, 3), years=(2026,))
    return va[(va["procedure"] == "rpr") & (va["subject"] == "ru")].reset_index(drop=True)


def test_funnel_limit_against_a_hand_computation() -> None:
    # σ² = 0.8, τ² = 0.05, n = 20: se² = 1 / (20 / 0.8 + 1 / 0.05) = 1 / (25 + 20) = 1 / 45
    se = math.sqrt(1 / 45)  # 0.149071
    assert plots.funnel_limit(20, 0.8, 0.05) == pytest.approx(1.959964 * se, rel=1e-6)
    assert plots.funnel_limit(20, 0.8, 0.05, plots.Z998) == pytest.approx(3.090232 * se, rel=1e-6)
    assert plots.funnel_limit(20, 0.8, 0.05) == pytest.approx(0.292174, abs=1e-6)
    # without τ²: the classic funnel of raw means, 1.96 · √(0.8 / 20) = 1.96 · 0.2
    assert plots.funnel_limit(20, 0.8) == pytest.approx(0.391993, abs=1e-6)
    assert plots.funnel_limit(20, 0.8, 0.0) == pytest.approx(0.391993, abs=1e-6)
    # vectorised, and narrowing as schools grow
    limits = plots.funnel_limit(np.array([10, 40, 160]), 0.8, 0.05)
    assert isinstance(limits, np.ndarray) and np.all(np.diff(limits) < 0)


def test_funnel_lines_are_the_limits(rows: pd.DataFrame) -> None:
    fig = plots.funnel(rows, residual_variance=0.8, school_variance=0.04)
    lines = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) > 2]
    assert len(lines) == 4  # ± 95 %, ± 99.8 %
    x, y = lines[0].get_xdata(), lines[0].get_ydata()
    assert np.allclose(y, plots.funnel_limit(x, 0.8, 0.04, plots.Z95))
    assert np.allclose(lines[1].get_ydata(), -y)
    assert np.allclose(lines[2].get_ydata(), plots.funnel_limit(x, 0.8, 0.04, plots.Z998))


def test_points_outside_the_funnel_are_the_flagged_bands(rows: pd.DataFrame) -> None:
    """The synthetic SEs are the model's PEVs, so the 95 % funnel separates the bands."""
    big = rows[rows["n"] >= min_group()]
    limit = plots.funnel_limit(big["n"].to_numpy(float), 0.8, 0.04)
    outside = np.abs(big["effect"].to_numpy()) > limit
    assert (outside == big["band"].isin(["above", "below"]).to_numpy()).all()


def test_precision_funnel_is_z_over_precision(rows: pd.DataFrame) -> None:
    fig = plots.funnel(rows, x="precision")
    line = next(ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) > 2)
    assert np.allclose(line.get_ydata(), plots.Z95 / line.get_xdata())
    assert fig.axes[0].get_xlabel().startswith("точность")
    with pytest.raises(ValueError, match="residual variance"):
        plots.funnel(rows, x="n")


@pytest.mark.parametrize("chart", ["caterpillar", "funnel", "bubble"])
def test_one_point_per_school_and_no_small_schools(rows: pd.DataFrame, chart: str) -> None:
    kwargs = {"residual_variance": 0.8, "school_variance": 0.04} if chart == "funnel" else {}
    fig = getattr(plots, chart)(rows, **kwargs)
    big = rows[rows["n"] >= min_group()]
    assert len(big) < len(rows)  # the frame has schools of 3 and 4 students
    assert plots.drawn_points(fig) == len(big)
    drawn = np.concatenate([c.get_offsets()[:, 1] for c in _scatters(fig)])
    small_effects = rows.loc[rows["n"] < min_group(), "effect"].to_numpy()
    assert not np.isin(small_effects, drawn).any()
    # a higher listing minimum only takes more away
    fig = getattr(plots, chart)(rows, min_n=50, **kwargs)
    assert plots.drawn_points(fig) == int((rows["n"] >= 50).sum())


def test_caterpillar_is_sorted_with_intervals(rows: pd.DataFrame) -> None:
    fig = plots.caterpillar(rows)
    ax = fig.axes[0]
    segments = ax.collections[0].get_segments()  # the intervals, in rank order
    lows = [s[0][1] for s in segments]
    big = rows[rows["n"] >= min_group()].sort_values("effect")
    assert np.allclose(lows, big["ci_low"].to_numpy())
    assert ax.get_xlabel() == "школы, упорядоченные по эффекту"


def test_municipality_highlight_greys_the_other_schools(rows: pd.DataFrame) -> None:
    fig = plots.caterpillar(rows, municipality="02")
    big = rows[rows["n"] >= min_group()]
    colours = [to_hex(c.get_facecolor()[0]) for c in _scatters(fig)]
    sizes = [len(c.get_offsets()) for c in _scatters(fig)]
    grey = sum(s for s, c in zip(sizes, colours, strict=True) if c == plots.OTHER_COLOR)
    assert grey == int((big["municipality_code"] != "02").sum())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "другие школы региона" in labels


def test_bubble_quadrants_are_labelled_in_russian(rows: pd.DataFrame) -> None:
    fig = plots.bubble(rows)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert set(plots.QUADRANTS.values()) <= texts
    sizes = np.concatenate([c.get_sizes() for c in _scatters(fig)])
    assert sizes.max() > sizes.min()  # area grows with the number of students


@pytest.mark.parametrize("chart", ["caterpillar", "funnel", "bubble"])
def test_charts_build_without_schools(rows: pd.DataFrame, chart: str) -> None:
    kwargs = {"residual_variance": 0.8} if chart == "funnel" else {}
    fig = getattr(plots, chart)(rows.iloc[0:0], **kwargs)
    assert plots.drawn_points(fig) == 0
