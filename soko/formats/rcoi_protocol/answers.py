"""Answer strings of a РЦОИ protocol, parsed into points per task for a whole group of rows.

Short answers come as one character per task («+» = 1 point, «-» = 0, a digit = that many
points: «+-2+…»); extended answers as «score(max)» per task («2(3)1(2)…»). The points are
needed to check each task against its maximum, the primary score against their sum, and the
extra mark conditions (geometry in ОГЭ mathematics). Rows of one year × subject share a
structure, so a group is parsed with numpy at once instead of row by row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SHORT_CHARS = re.compile(r"[+\-0-9]*")
LONG_FORMAT = re.compile(r"(?:\d{1,2}\(\d{1,2}\))*")


@dataclass
class ParsedAnswers:
    """Per row of the group (arrays of equal length); points are NaN where unparsed."""

    short_chars_ok: np.ndarray  # bool
    short_count: np.ndarray  # float: characters in the string
    long_format_ok: np.ndarray  # bool
    long_count: np.ndarray  # float: «score(max)» items
    points: dict[str, np.ndarray]  # task label -> points (float, NaN where unparsed)
    short_over: np.ndarray  # object: «№ 8: 4 при максимуме 3; …» or None
    long_over: np.ndarray  # object: «ИК1: 4(3); …» or None
    long_max_mismatch: np.ndarray  # object: «№ 20: 3 вместо 2» or None
    task_sum: np.ndarray  # float, NaN unless both strings parsed


def _short_points(text: pd.Series, n_tasks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chars ok, count, points n × tasks) for short-answer strings."""
    chars_ok = text.map(lambda s: SHORT_CHARS.fullmatch(s) is not None).to_numpy(dtype=bool)
    count = text.str.len().to_numpy(dtype="float64")
    good = chars_ok & (count == n_tasks)
    points = np.full((len(text), n_tasks), np.nan)
    if good.any() and n_tasks:
        joined = "".join(text[good]).encode("ascii")
        codes = np.frombuffer(joined, dtype=np.uint8).reshape(-1, n_tasks).astype("float64")
        values = np.where(codes == ord("+"), 1.0, np.where(codes == ord("-"), 0.0, codes - 48))
        points[good] = values
    elif good.any():
        points = np.zeros((len(text), 0))
    return chars_ok, count, points


def _long_points(
    text: pd.Series, n_tasks: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(format ok, count, scores n × tasks, stated maxima n × tasks) for extended answers."""
    format_ok = text.map(lambda s: LONG_FORMAT.fullmatch(s) is not None).to_numpy(dtype=bool)
    count = text.str.count(r"\(").to_numpy(dtype="float64")
    good = format_ok & (count == n_tasks)
    scores = np.full((len(text), n_tasks), np.nan)
    maxima = np.full((len(text), n_tasks), np.nan)
    if good.any() and n_tasks:
        # Well-formed rows hold exactly n_tasks «a(b)» items: split them all at once.
        tokens = " ".join(text[good]).replace("(", " ").replace(")", " ").split()
        pairs = np.array(tokens, dtype="float64").reshape(-1, n_tasks, 2)
        scores[good] = pairs[:, :, 0]
        maxima[good] = pairs[:, :, 1]
    return format_ok, count, scores, maxima


def _describe(mask: np.ndarray, fmt: Callable[[int, int], str]) -> np.ndarray:
    """One text per row naming the flagged tasks (None where nothing is flagged)."""
    out = np.full(mask.shape[0], None, dtype=object)
    for i in np.flatnonzero(mask.any(axis=1)):
        out[i] = "; ".join(fmt(i, j) for j in np.flatnonzero(mask[i]))
    return out


def parse_answers(
    short: pd.Series,
    long: pd.Series,
    short_labels: tuple[str, ...],
    short_max: tuple[int, ...],
    long_labels: tuple[str, ...],
    long_max: tuple[int, ...],
) -> ParsedAnswers:
    """Parse a group's answer strings against one scale's task structure."""
    short_text = short.fillna("").astype("string").str.strip().astype(object)
    long_text = long.fillna("").astype("string").str.replace(" ", "").astype(object)
    short_text, long_text = pd.Series(short_text), pd.Series(long_text)
    chars_ok, s_count, s_pts = _short_points(short_text, len(short_labels))
    format_ok, l_count, l_pts, l_max = _long_points(long_text, len(long_labels))

    smax = np.asarray(short_max, dtype="float64")
    lmax = np.asarray(long_max, dtype="float64")
    with np.errstate(invalid="ignore"):
        s_over = s_pts > smax
        l_over = l_pts > l_max
        l_mismatch = l_max != lmax
    l_mismatch &= ~np.isnan(l_max)
    s_labels, l_labels = list(short_labels), list(long_labels)
    short_over = _describe(
        s_over,
        lambda i, j: f"№ {s_labels[j]}: {int(s_pts[i, j])} при максимуме {int(smax[j])}",
    )
    long_over = _describe(
        l_over, lambda i, j: f"№ {l_labels[j]}: {int(l_pts[i, j])}({int(l_max[i, j])})"
    )
    long_mismatch = _describe(
        l_mismatch,
        lambda i, j: (
            f"№ {l_labels[j]}: указан максимум {int(l_max[i, j])}, по шкале {int(lmax[j])}"
        ),
    )
    points = {label: s_pts[:, j] for j, label in enumerate(s_labels)}
    points.update({label: l_pts[:, j] for j, label in enumerate(l_labels)})
    task_sum = s_pts.sum(axis=1) + l_pts.sum(axis=1)  # NaN propagates from unparsed rows
    return ParsedAnswers(
        short_chars_ok=chars_ok,
        short_count=s_count,
        long_format_ok=format_ok,
        long_count=l_count,
        points=points,
        short_over=short_over,
        long_over=long_over,
        long_max_mismatch=long_mismatch,
        task_sum=task_sum,
    )
