"""Charts for the compendium (seaborn/matplotlib), fed by derived indicator tables.

Charts never show a group under the suppression minimum: callers pass tables through
``drop_small`` first (the functions here do it themselves as a guard). Labels are Russian.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from PIL import Image

from soko.config import min_group, thresholds
from soko.labels import subject_labels
from soko.timing import CHARTS, timed

MARK_COLORS = {2: "#c0392b", 3: "#f0b27a", 4: "#7fb3d5", 5: "#1f618d"}
JOURNAL_COLORS = {"lowered": "#c0392b", "confirmed": "#aab7b8", "raised": "#1f618d"}
JOURNAL_NAMES = {"lowered": "Понизили", "confirmed": "Подтвердили", "raised": "Повысили"}


@cache
def _style() -> dict[str, Any]:
    """The rcParams of the compendium's look, worked out once per process by seaborn (and
    the global settings left as they were: applying them is :func:`setup_style`'s job)."""
    with matplotlib.rc_context():
        sns.set_theme(style="whitegrid", context="notebook", font="DejaVu Sans")
        plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 12})
        return dict(plt.rcParams)


def setup_style() -> None:
    """One look for every page; DejaVu Sans ships with matplotlib and has Cyrillic.

    Seaborn's theme set-up runs once per process; a page (or a second call) only copies
    the remembered settings in.
    """
    plt.rcParams.update(_style())


#: Colours a chart's PNG keeps. Charts are flat colours with anti-aliased edges: a palette of
#: 256 is indistinguishable on screen and makes the file 3–4 times smaller than full RGBA.
PNG_COLORS = 256


def figure_png(fig: Figure) -> bytes:
    """The chart as a compact PNG, the same bytes for the same figure.

    The compendium is opened from network shares and mailed as single files with charts
    embedded, so weight matters: the figure is drawn once (cropped to its content), reduced
    to an adaptive palette without dithering (no noise, deterministic) and compressed hard.
    matplotlib's own compression is skipped (level 1): the image is re-encoded anyway.
    """
    raw = io.BytesIO()
    fig.savefig(raw, format="png", bbox_inches="tight", pil_kwargs={"compress_level": 1})
    with Image.open(io.BytesIO(raw.getvalue())) as image:
        rgb = image.convert("RGB")
    palette = rgb.quantize(
        colors=PNG_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    palette.save(out, format="png", compress_level=9)
    return out.getvalue()


def drop_small(table: pd.DataFrame, n_column: str = "n") -> pd.DataFrame:
    return table[table[n_column].fillna(0) >= min_group()]


def work_label(subject: str, grade: int) -> str:
    """«Русский язык, 4 кл.» — how a ВПР work is named on charts and in tables."""
    return f"{subject_labels().get(subject, subject)}, {int(grade)} кл."


def _pct_axis(ax: plt.Axes, axis: str = "x") -> None:
    fmt = matplotlib.ticker.PercentFormatter(xmax=1.0, decimals=0)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


@timed(CHARTS)
def stacked_shares(
    table: pd.DataFrame,
    parts: Sequence[tuple[str, str, str]],
    *,
    label_column: str = "label",
    xlabel: str = "",
    title: str = "",
    annotate: bool = False,
) -> Figure:
    """Horizontal 100 % bars, one per row; ``parts`` = (share column, colour, legend label)."""
    data = drop_small(table).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(data) + 1.4))
    left = pd.Series(0.0, index=data.index)
    for column, color, name in parts:
        share = data[column].astype(float)
        ax.barh(data[label_column], share, left=left, color=color, label=name)
        if annotate:
            dark = sum(int(c, 16) for c in (color[1:3], color[3:5], color[5:7])) < 400
            for i, (s, lft) in enumerate(zip(share, left, strict=True)):
                if s >= 0.06:
                    ax.text(
                        lft + s / 2,
                        i,
                        f"{s * 100:.0f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
                    )
        left = left + share
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    _pct_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    # the legend gets its own strip under the x label, whatever the number of rows
    strip = 0.4 / fig.get_figheight()
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, ncol=len(parts), loc="lower center", frameon=False)
    fig.tight_layout(rect=(0.0, strip, 1.0, 1.0))
    return fig


@timed(CHARTS)
def mark_distribution(
    marks: pd.DataFrame, *, label_column: str = "label", title: str = ""
) -> Figure:
    """Shares of «2»…«5» per row of ``marks`` (one bar a work or a unit)."""
    parts = [(f"share_mark{m}", c, f"«{m}»") for m, c in MARK_COLORS.items()]
    return stacked_shares(
        marks,
        parts,
        label_column=label_column,
        xlabel="доля участников",
        title=title,
        annotate=True,
    )


@timed(CHARTS)
def dynamics(
    table: pd.DataFrame,
    value: str,
    *,
    hue: str,
    facet: str = "subject",
    title: str = "",
    ylabel: str = "",
) -> Figure:
    """Lines over years, one per ``hue`` value, a panel per ``facet`` value (e.g. subject)."""
    data = drop_small(table)
    panels = list(dict.fromkeys(data[facet]))
    fig, axes = plt.subplots(
        1, max(1, len(panels)), figsize=(4.6 * max(1, len(panels)), 3.8), sharey=True, squeeze=False
    )
    years = sorted(data["year"].unique())
    names = subject_labels()
    for ax, panel in zip(axes[0], panels, strict=False):
        part = data[data[facet] == panel]
        sns.lineplot(data=part, x="year", y=value, hue=hue, marker="o", ax=ax)
        ax.set_xticks(years)
        ax.set_xlabel("год")
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 1)
        _pct_axis(ax, "y")
        ax.set_title(names.get(panel, str(panel)) if facet == "subject" else str(panel))
        ax.legend(title="", frameon=False, fontsize=8, loc="lower left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def task_completion(
    unit: pd.DataFrame, region: pd.DataFrame | None = None, *, title: str = ""
) -> Figure:
    """Completion per task with the Б/П deficit thresholds drawn; region as black ticks."""
    data = drop_small(unit).sort_values("task_order")
    zones = thresholds()["task_completion"]
    fig, ax = plt.subplots(figsize=(max(6, 0.42 * len(data) + 2), 3.6))
    colors = ["#5dade2" if lvl == "Б" else "#a569bd" for lvl in data["task_level"]]
    x = range(len(data))
    ax.bar(x, data["completion"].astype(float), color=colors)
    if region is not None and not region.empty:
        reg = region.set_index("task")["completion"].reindex(data["task"]).astype(float)
        ax.scatter(
            list(x), reg.to_numpy(), marker="_", s=260, color="black", zorder=3, label="регион"
        )
    for lvl, color in (("Б", "#2e86c1"), ("П", "#7d3c98")):
        ax.axhline(
            zones[lvl]["deficit"],
            color=color,
            ls="--",
            lw=0.9,
            label=f"порог дефицита ({'базовый' if lvl == 'Б' else 'повышенный'})",
        )
    ax.set_xticks(list(x), data["task"].tolist(), fontsize=8)
    ax.set_ylim(0, 1)
    _pct_axis(ax, "y")
    ax.set_xlabel("задание (синие — базового уровня, фиолетовые — повышенного)")
    ax.set_ylabel("выполнение")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


@timed(CHARTS)
def journal_comparison(
    journal: pd.DataFrame, *, label_column: str = "label", title: str = ""
) -> Figure:
    """Понизили / подтвердили / повысили: ВПР mark against the journal mark."""
    parts = [(f"share_{k}", c, JOURNAL_NAMES[k]) for k, c in JOURNAL_COLORS.items()]
    return stacked_shares(
        journal,
        parts,
        label_column=label_column,
        xlabel="доля участников с обеими отметками",
        title=title,
    )


@timed(CHARTS)
def score_histogram(
    scores: pd.DataFrame, mark_thresholds: Sequence[int], max_score: int, *, title: str = ""
) -> Figure:
    """Primary-score distribution with the mark thresholds drawn: peaks right at a threshold
    are a sign to look at objectivity."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    full = scores.set_index("primary_score")["share"].reindex(range(max_score + 1), fill_value=0.0)
    ax.bar(full.index, full.to_numpy(), color="#5d6d7e", width=0.85)
    for t, mark in zip(mark_thresholds, (3, 4, 5), strict=True):
        ax.axvline(t - 0.5, color=MARK_COLORS[mark], lw=1.5, ls="--")
        ax.text(
            t - 0.4,
            ax.get_ylim()[1] * 0.95,
            f"«{mark}»",
            color=MARK_COLORS[mark],
            fontsize=9,
            va="top",
        )
    ax.set_xlim(-0.8, max_score + 0.8)
    _pct_axis(ax, "y")
    ax.set_xlabel("первичный балл")
    ax.set_ylabel("доля участников")
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def compare_scatter(
    table: pd.DataFrame, x: str, y: str, *, xlabel: str, ylabel: str, title: str = ""
) -> Figure:
    """One dot per school (size = participants): an earlier result against a later one.

    Dots far below the diagonal are schools whose earlier result the later, externally
    proctored one does not back up.
    """
    data = table.dropna(subset=[x, y])
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    sizes = (data["n_earlier"].astype(float) + data["n_later"].astype(float)).clip(upper=200)
    ax.scatter(data[x], data[y], s=sizes, alpha=0.55, color="#2e86c1", edgecolor="white")
    ax.plot([0, 1], [0, 1], color="#7f8c8d", ls="--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _pct_axis(ax, "x")
    _pct_axis(ax, "y")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def heatmap(
    table: pd.DataFrame, *, index: str, columns: str, value: str, title: str = ""
) -> Figure:
    """Units × works, a share per cell (suppressed cells left blank)."""
    data = drop_small(table)
    grid = data.pivot_table(index=index, columns=columns, values=value, aggfunc="first", sort=False)
    fig, ax = plt.subplots(figsize=(max(7, 0.9 * grid.shape[1] + 3), 0.42 * grid.shape[0] + 1.8))
    sns.heatmap(
        grid * 100,
        annot=True,
        fmt=".0f",
        cmap="RdYlBu",
        vmin=0,
        vmax=100,
        ax=ax,
        cbar_kws={"label": "%"},
        linewidths=0.5,
        annot_kws={"fontsize": 8},
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    return fig
