"""ГИА charts that ``soko.plots`` has no shape for: test-score bands, means over years,
a unit against the region. Small groups are dropped first (``soko.plots.drop_small``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from soko.formats.rcoi_protocol.indicators import band_labels
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.plots import drop_small, stacked_shares
from soko.timing import CHARTS, timed

BAND_COLORS = ("#c0392b", "#f0b27a", "#d5dbdb", "#7fb3d5", "#1f618d")


@timed(CHARTS)
def band_distribution(
    kind: GiaKind, table: pd.DataFrame, *, label_column: str = "label", title: str = ""
) -> Figure:
    """Test-score bands (0–20 … 81–100) per row, as 100 % bars."""
    names = band_labels(kind)
    parts = [
        (f"share_band{i}", BAND_COLORS[(i - 1) % len(BAND_COLORS)], name)
        for i, name in enumerate(names, start=1)
    ]
    return stacked_shares(
        table,
        parts,
        label_column=label_column,
        xlabel="доля участников в диапазоне тестовых баллов",
        title=title,
        annotate=True,
    )


@timed(CHARTS)
def value_dynamics(
    table: pd.DataFrame,
    value: str,
    *,
    hue: str,
    facet: str = "label",
    ylabel: str = "",
    ymax: float = 100.0,
    title: str = "",
) -> Figure:
    """Lines over years for a value that is not a share (mean test or primary score)."""
    data = drop_small(table)
    panels = list(dict.fromkeys(data[facet]))
    width = max(1, len(panels))
    fig, axes = plt.subplots(1, width, figsize=(4.4 * width, 3.6), sharey=True, squeeze=False)
    years = sorted(int(y) for y in data["year"].unique())
    for ax, panel in zip(axes[0], panels, strict=False):
        part = data[data[facet] == panel]
        sns.lineplot(data=part, x="year", y=value, hue=hue, marker="o", ax=ax)
        ax.set_xticks(years)
        ax.set_xlabel("год")
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, ymax)
        ax.set_title(str(panel))
        ax.legend(title="", frameon=False, fontsize=8, loc="lower left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def unit_vs_region(
    unit: pd.DataFrame,
    region: pd.DataFrame,
    value: str,
    *,
    unit_name: str,
    region_name: str,
    xlabel: str,
    xmax: float | None = None,
    title: str = "",
) -> Figure:
    """Horizontal bars per subject: the unit next to the region."""
    data = pd.concat(
        [drop_small(unit).assign(who=unit_name), drop_small(region).assign(who=region_name)],
        ignore_index=True,
    )
    n_rows = max(1, data["label"].nunique())
    fig, ax = plt.subplots(figsize=(8, 0.7 * n_rows + 1.4))
    sns.barplot(
        data=data,
        y="label",
        x=value,
        hue="who",
        palette=["#1f618d", "#aab7b8"],
        orient="h",
        ax=ax,
    )
    if xmax is not None:
        ax.set_xlim(0, xmax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(title="", frameon=False, loc="lower right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig
