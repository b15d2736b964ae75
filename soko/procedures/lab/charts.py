"""Charts of the equipment pages: shares of schools with each kind unused or under-used over
the years, and the association of use with the practical tasks with its interval."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.procedures.lab.tables import PROCEDURE_NAMES
from soko.timing import CHARTS, timed

USED_COLOR, OTHER_COLOR = "#1f618d", "#b2babb"


@timed(CHARTS)
def underused_dynamics(kinds: pd.DataFrame, *, title: str = "") -> Figure:
    """One line per kind: the share (%) of schools with it that leave it unused or under-used,
    by year."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, part in kinds.groupby("kind_name", sort=False):
        part = part.sort_values("year")
        ax.plot(part["year"].astype(int), part["underused_share"], "o-", label=str(name))
    years = sorted(int(y) for y in kinds["year"].unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% школ с этим оборудованием")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def association_chart(assoc: pd.DataFrame, *, title: str = "") -> Figure:
    """Per year: the difference of the practical-vs-other gap between using and non-using
    schools (dot) with its interval (bar); years without a comparison are said as such."""
    data = assoc.sort_values("year", kind="stable").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.6 * max(1, len(data)) + 1.6))
    y = np.arange(len(data))
    has = data["difference"].notna().to_numpy()
    ax.axvline(0, color="black", lw=0.8)
    ax.hlines(y[has], data.loc[has, "ci_low"], data.loc[has, "ci_high"], color=USED_COLOR, lw=2.5)
    ax.plot(
        data.loc[has, "difference"], y[has], "o", color=USED_COLOR, label="разность и 95 % интервал"
    )
    for i in y[~has]:
        ax.text(0, i, "  мало школ для сравнения", va="center", fontsize=8, color="#7f8c8d")
    labels = [
        f"{int(r.year)}, {PROCEDURE_NAMES.get(str(r.procedure), r.procedure)}, {r.subject_name}"
        for r in data.itertuples(index=False)
    ]
    ax.set_yticks(y, labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(
        "п.п.: насколько разрыв «практические − остальные задания» у школ, "
        "использующих оборудование,\nбольше, чем у не использующих "
        "(связь, а не доказанное влияние)"
    )
    if has.any():
        ax.legend(frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    if title:
        ax.set_title(title, pad=24)
    fig.tight_layout()
    return fig
