"""Charts of the measures pages: each kind's effect with its interval beside the naive
before/after change, so a reader sees both the estimate and how much of the raw rise was
regression to the mean."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.timing import CHARTS, timed

EFFECT_COLOR, NAIVE_COLOR = "#1f618d", "#b2babb"


def effect_label(row: pd.Series) -> str:
    return textwrap.fill(f"{row['kind_name']} — {row['subject_name']}", 38)


@timed(CHARTS)
def effects_forest(effects: pd.DataFrame, *, title: str = "") -> Figure:
    """One line per kind × outcome: the effect (dot) and its interval (bar), the naive
    before/after change (hollow grey diamond); rows without an estimate are said as such."""
    data = effects.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.75 * max(1, len(data)) + 1.4))
    y = np.arange(len(data))
    has = data["effect"].notna().to_numpy()
    ax.axvline(0, color="black", lw=0.8)
    ax.hlines(y[has], data.loc[has, "ci_low"], data.loc[has, "ci_high"], color=EFFECT_COLOR, lw=2.5)
    ax.plot(
        data.loc[has, "effect"], y[has], "o", color=EFFECT_COLOR, label="эффект и 95 % интервал"
    )
    ax.plot(
        data.loc[has, "naive_change"],
        y[has],
        "D",
        mfc="none",
        color=NAIVE_COLOR,
        label="изменение «до — после» (без сравнения)",
    )
    for i in y[~has]:
        ax.text(0, i, "  мало школ для оценки", va="center", fontsize=8, color="#7f8c8d")
    ax.set_yticks(y, [effect_label(r) for _, r in data.iterrows()], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("п.п. (балл в % от максимума; для объективности — доля школ с признаками)")
    if has.any():
        ax.legend(frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    if title:
        ax.set_title(title, pad=28)
    fig.tight_layout()
    return fig
