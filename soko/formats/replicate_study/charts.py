"""Charts of the PISA-model page: levels, trends and group comparisons with their 95 % CIs.

A sample estimate is drawn with its confidence interval, never as a bare bar: readers
should see when two groups or two years cannot be told apart. Rows of fewer than five
students are dropped (``soko.plots.drop_small``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from soko.formats.replicate_study.settings import PisaSettings, pisa_settings
from soko.plots import drop_small, stacked_shares
from soko.timing import CHARTS, timed

Z95 = 1.96
LEVEL_COLORS = ("#922b21", "#e6b0aa", "#fad7a0", "#d4e6f1", "#7fb3d5", "#2e86c1", "#1b4f72")


@timed(CHARTS)
def level_bars(levels_year: pd.DataFrame, settings: PisaSettings | None = None) -> Figure:
    """Distribution over proficiency levels, one 100 % bar per domain."""
    settings = settings or pisa_settings()
    wide = levels_year.pivot_table(
        index="domain", columns="level_order", values="share", aggfunc="first"
    )
    wide.columns = [f"share_level{k}" for k in wide.columns]
    wide["n"] = levels_year.groupby("domain")["n"].first()
    order = [d for d in settings.domains if d in wide.index]
    wide = wide.loc[order].reset_index()
    wide["label"] = [settings.domains[d].name for d in wide["domain"]]
    labels = next(iter(settings.domains.values())).level_labels
    parts = [
        (f"share_level{k}", LEVEL_COLORS[k % len(LEVEL_COLORS)], f"уровень {lab}" if k else lab)
        for k, lab in enumerate(labels)
        if f"share_level{k}" in wide.columns
    ]
    return stacked_shares(
        wide, parts, xlabel="", title="Распределение обучающихся по уровням", annotate=True
    )


def _ranges(ax: plt.Axes, labels: list[str], values: pd.Series, se: pd.Series, color: str) -> None:
    y = list(range(len(labels)))
    ax.errorbar(
        values.astype(float),
        y,
        xerr=Z95 * se.astype(float),
        fmt="o",
        color=color,
        ecolor=color,
        capsize=3,
    )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()


@timed(CHARTS)
def group_ranges(
    estimates_year: pd.DataFrame, settings: PisaSettings | None = None, *, title: str = ""
) -> Figure:
    """Mean with its 95 % CI for each group, a panel per domain."""
    settings = settings or pisa_settings()
    data = drop_small(estimates_year)
    domains = [d for d in settings.domains if d in set(data["domain"])]
    n_groups = data[["group_type", "group"]].drop_duplicates().shape[0]
    fig, axes = plt.subplots(
        1,
        max(1, len(domains)),
        figsize=(4.2 * max(1, len(domains)), 0.4 * n_groups + 1.4),
        sharey=True,
        squeeze=False,
    )
    for ax, domain in zip(axes[0], domains, strict=False):
        part = data[data["domain"] == domain]
        _ranges(ax, part["group"].tolist(), part["mean"], part["mean_se"], "#1f618d")
        overall = part.loc[part["group_type"] == "all", "mean"]
        if not overall.empty:
            ax.axvline(float(overall.iloc[0]), color="grey", ls="--", lw=0.8)
        ax.set_title(settings.domains[domain].name, fontsize=10)
        ax.set_xlabel("средний балл (95 % ДИ)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def trend(estimates_all: pd.DataFrame, settings: PisaSettings | None = None) -> Figure:
    """Mean per study year and domain with 95 % CIs."""
    settings = settings or pisa_settings()
    data = drop_small(estimates_all).sort_values("year")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    years = sorted(data["year"].unique())
    for k, (domain, dom) in enumerate(settings.domains.items()):
        part = data[data["domain"] == domain]
        if part.empty:
            continue
        shift = (k - 1) * 0.06  # keep the error bars of one year apart
        ax.errorbar(
            part["year"] + shift,
            part["mean"],
            yerr=Z95 * part["mean_se"],
            marker="o",
            capsize=3,
            label=dom.name,
        )
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlabel("год исследования")
    ax.set_ylabel("средний балл (95 % ДИ)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Средний балл по циклам исследования")
    fig.tight_layout()
    return fig


@timed(CHARTS)
def municipality_ranges(
    munis_year: pd.DataFrame, domain: str, settings: PisaSettings | None = None
) -> Figure:
    """Municipalities with enough sample: mean and 95 % CI against the region's."""
    settings = settings or pisa_settings()
    part = drop_small(munis_year[munis_year["domain"] == domain])
    region_row = part[part["level"] == "region"]
    shown = part[(part["level"] == "municipality") & part["reliable"]]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(1, len(shown)) + 1.4))
    if not shown.empty:
        _ranges(ax, shown["unit_name"].tolist(), shown["mean"], shown["mean_se"], "#7d3c98")
    if not region_row.empty:
        r = region_row.iloc[0]
        ax.axvspan(
            r["mean"] - Z95 * r["mean_se"],
            r["mean"] + Z95 * r["mean_se"],
            color="grey",
            alpha=0.2,
            label="регион (95 % ДИ)",
        )
        ax.axvline(r["mean"], color="grey", lw=1)
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_xlabel("средний балл (95 % ДИ)")
    ax.set_title(settings.domains[domain].name)
    fig.tight_layout()
    return fig
