"""The rating engine: a weighted composite of standardised indicators, its place, the place's
bootstrap interval and the groups of places that cannot be told apart.

Pure numpy over integer-coded units, so the method is tested on hand-made tables and the
data plumbing (:mod:`soko.ratings.tables`) stays apart from it.

Why a bootstrap of students within works: a school's indicator is a mean over the students
who happened to write that year; another cohort of the same school would give another value.
Each replicate draws, inside every block (a school's work: school × subject × grade), as many
students as the block has, with replacement, and recomputes every indicator from the same
draw (so the share of «2» and the mean score of one replicate move together, as they do in
reality), then the standardisation, the composite and the ranks. The block keeps each work's
size fixed, so a replicate never changes which subjects a school wrote or how many wrote them.

Vectorised: a replicate is one uniform draw per result row turned into a row index inside the
row's block (``start + floor(u · size)``), a gather and a ``bincount`` per indicator — no
Python loop over schools or students. Indicators that are estimates with a standard error
(value added) are drawn as ``value + se · N(0, 1)`` (a parametric bootstrap).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

_EPS = 1e-12


@dataclass(frozen=True)
class ComponentSpec:
    """One indicator of the composite."""

    id: str
    weight: float
    higher_is_better: bool = True


@dataclass
class Sample:
    """Result rows of one source (e.g. ВПР) for one year, for resampling.

    ``block`` — the resampling block of each row (rows of a block must share one unit);
    ``unit`` — the rated unit of each row (0..n_units-1); ``values`` — per indicator, the
    row's value (NaN: the row does not count for that indicator, e.g. another subject).
    """

    block: np.ndarray
    unit: np.ndarray
    values: Mapping[str, np.ndarray]
    _start: np.ndarray = field(init=False, repr=False)
    _size: np.ndarray = field(init=False, repr=False)
    _filled: dict[str, np.ndarray] = field(init=False, repr=False)
    _mask_of: dict[str, int] = field(init=False, repr=False)
    _masks: list[np.ndarray | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        order = np.argsort(self.block, kind="stable")
        self.block = np.asarray(self.block)[order]
        self.unit = np.asarray(self.unit, dtype=np.int64)[order]
        self.values = {k: np.asarray(v, dtype="float64")[order] for k, v in self.values.items()}
        _, first, size = np.unique(self.block, return_index=True, return_counts=True)
        codes = np.repeat(np.arange(len(first)), size)
        self._start = first[codes]  # each row's block start (rows sorted by block)
        self._size = size[codes]
        if len(self.unit) and np.any(np.diff(self.unit)[np.diff(codes) == 0] != 0):
            raise ValueError("a resampling block spans two units")
        # per indicator: values with 0 for NaN, and which rows count (indicators sharing a
        # pattern of counting rows share one count per replicate; a pattern of all rows is
        # never recounted — a replicate keeps every block's size)
        self._filled, self._mask_of, self._masks = {}, {}, []
        seen: dict[bytes, int] = {}
        for key, v in self.values.items():
            ok = ~np.isnan(v)
            self._filled[key] = np.where(ok, v, 0.0)
            sig = ok.tobytes()
            if sig not in seen:
                seen[sig] = len(self._masks)
                self._masks.append(None if ok.all() else ok.astype("float64"))
            self._mask_of[key] = seen[sig]

    def __len__(self) -> int:
        return len(self.unit)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """Row indices of one bootstrap replicate (each row replaced by a row of its block)."""
        u = rng.random(len(self.unit))
        return self._start + (u * self._size).astype(np.int64)

    def means(
        self, n_units: int, rows: np.ndarray | None = None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per indicator: each unit's mean and the number of rows behind it."""
        counts = []
        for mask in self._masks:
            w = None if mask is None else (mask if rows is None else mask[rows])
            counts.append(np.bincount(self.unit, weights=w, minlength=n_units).astype("float64"))
        out = {}
        for key, filled in self._filled.items():
            x = filled if rows is None else filled[rows]
            s = np.bincount(self.unit, weights=x, minlength=n_units)
            n = counts[self._mask_of[key]]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[key] = (np.where(n > 0, s / np.maximum(n, 1), np.nan), n)
        return out


@dataclass(frozen=True)
class Estimate:
    """An indicator known per unit as an estimate with its standard error (value added)."""

    value: np.ndarray
    se: np.ndarray
    n: np.ndarray


@dataclass(frozen=True)
class Rating:
    """Per unit (index order): the indicators, the composite and the place with its interval."""

    values: np.ndarray  # units × indicators
    n: np.ndarray  # units × indicators (results behind each value)
    used: np.ndarray  # units × indicators: the value counts (enough results)
    rated: np.ndarray  # units: enough weight to be placed
    weight_share: np.ndarray
    composite: np.ndarray
    composite_low: np.ndarray
    composite_high: np.ndarray
    place: np.ndarray  # 1 = best; tied composites share the best place; NaN: not rated
    place_low: np.ndarray
    place_high: np.ndarray
    group: np.ndarray  # 1, 2, … from the top; 0: not rated
    replicate_places: np.ndarray  # replicates × units


def standardise(values: np.ndarray, used: np.ndarray, how: str) -> np.ndarray:
    """Each column on a common scale over the units where it is used (NaN elsewhere).

    ``z``: (x − mean) / sd (sd over the units, ddof 0; a constant column is 0 for all);
    ``percentile``: (rank − 0.5) / N with ties at their average rank.
    """
    out = np.full(values.shape, np.nan)
    for k in range(values.shape[1]):
        ok = used[:, k] & ~np.isnan(values[:, k])
        x = values[ok, k]
        if not len(x):
            continue
        if how == "z":
            sd = x.std()
            out[ok, k] = (x - x.mean()) / sd if sd > _EPS else 0.0
        elif how == "percentile":
            out[ok, k] = (_average_ranks(x) - 0.5) / len(x)
        else:
            raise ValueError(f"unknown standardisation {how!r}")
    return out


def _average_ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    _, inverse = np.unique(x, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse]


def composite(
    values: np.ndarray, used: np.ndarray, specs: Sequence[ComponentSpec], how: str
) -> np.ndarray:
    """Weighted mean of the standardised indicators a unit has (its weights renormalised)."""
    z = standardise(values, used, how)
    sign = np.array([1.0 if s.higher_is_better else -1.0 for s in specs])
    w = np.array([s.weight for s in specs])
    has = ~np.isnan(z)
    total = (np.where(has, z * sign, 0.0) * w).sum(axis=1)
    wsum = (has * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(wsum > 0, total / np.maximum(wsum, _EPS), np.nan)


def places(score: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """Competition ranking from the top (1 = highest score; ties share the best place)."""
    out = np.full(score.shape, np.nan)
    ok = rated & ~np.isnan(score)
    s = score[ok]
    ordered = np.sort(s)[::-1]
    # place = 1 + number of units strictly ahead
    out[ok] = 1 + np.searchsorted(-ordered, -s, side="left")
    return out


def _gather(
    samples: Sequence[Sample],
    estimates: Mapping[str, Estimate],
    specs: Sequence[ComponentSpec],
    n_units: int,
    rows: Sequence[np.ndarray | None],
    noise: Mapping[str, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray]:
    values = np.full((n_units, len(specs)), np.nan)
    counts = np.zeros((n_units, len(specs)))
    col = {s.id: k for k, s in enumerate(specs)}
    for sample, r in zip(samples, rows, strict=True):
        for key, (mean, n) in sample.means(n_units, r).items():
            if key in col:
                values[:, col[key]] = mean
                counts[:, col[key]] = n
    for key, est in estimates.items():
        if key in col:
            eps = 0.0 if noise is None else noise[key]
            values[:, col[key]] = est.value + np.nan_to_num(est.se) * eps
            counts[:, col[key]] = est.n
    return values, counts


def rate(
    samples: Sequence[Sample],
    estimates: Mapping[str, Estimate],
    specs: Sequence[ComponentSpec],
    n_units: int,
    *,
    min_n: int,
    min_weight_share: float,
    how: str = "z",
    replicates: int = 200,
    level: float = 0.9,
    rng: np.random.Generator,
) -> Rating:
    """The rating of ``n_units`` units with the bootstrap interval of every place."""
    values, counts = _gather(samples, estimates, specs, n_units, [None] * len(samples), None)
    used = (counts >= min_n) & ~np.isnan(values)
    w = np.array([s.weight for s in specs])
    share = (used * w).sum(axis=1) / w.sum()
    rated = share >= min_weight_share - 1e-9
    point = composite(values, used, specs, how)
    point = np.where(rated, point, np.nan)
    place = places(point, rated)

    reps = np.full((replicates, n_units), np.nan)
    comps = np.full((replicates, n_units), np.nan)
    for r in range(replicates):
        rows = [s.draw(rng) for s in samples]
        noise = {k: rng.standard_normal(n_units) for k in estimates}
        v, _ = _gather(samples, estimates, specs, n_units, rows, noise)
        c = np.where(rated, composite(v, used, specs, how), np.nan)
        comps[r] = c
        reps[r] = places(c, rated)
    alpha = (1 - level) / 2
    low, high = _interval(reps, rated, alpha)
    c_low, c_high = _interval(comps, rated, alpha)
    # the place shown always lies in its interval (a percentile interval of ranks can miss
    # the point estimate at the extremes; widening is the conservative choice)
    low = np.fmin(low, place)
    high = np.fmax(high, place)
    group = groups(place, low, high, point)
    return Rating(
        values=values,
        n=counts,
        used=used,
        rated=rated,
        weight_share=share,
        composite=point,
        composite_low=c_low,
        composite_high=c_high,
        place=place,
        place_low=low,
        place_high=high,
        group=group,
        replicate_places=reps,
    )


def _interval(reps: np.ndarray, rated: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    low = np.full(reps.shape[1], np.nan)
    high = np.full(reps.shape[1], np.nan)
    if rated.any() and len(reps):
        x = reps[:, rated]
        low[rated] = np.nanquantile(x, alpha, axis=0, method="lower")
        high[rated] = np.nanquantile(x, 1 - alpha, axis=0, method="higher")
    return low, high


def groups(place: np.ndarray, low: np.ndarray, high: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Groups of places that cannot be told apart (1 from the top; 0 for unrated units).

    The rule (docs/ratings.md): walk the units from the best place down; the first unit not
    yet in a group opens one (its «leader»); each next unit joins it while its place interval
    overlaps the leader's (``place_low ≤ leader's place_high``) or it ties with the unit
    before it; the first unit that does neither opens the next group. So a group holds the
    units that cannot be told apart from its leader, groups never overlap, and units with
    identical results always share one.
    """
    out = np.zeros(len(place), dtype=np.int64)
    idx = np.flatnonzero(~np.isnan(place))
    order = idx[np.lexsort((idx, -score[idx], place[idx]))]
    current = 0
    leader_high = -np.inf
    previous: int | None = None
    for i in order:
        tied = previous is not None and score[i] == score[previous]
        if current == 0 or not (low[i] <= leader_high or tied):
            current += 1
            leader_high = high[i]
        out[i] = current
        previous = i
    return out


def group_labels(place: np.ndarray, group: np.ndarray) -> list[str]:
    """Russian label of each unit's group: «места 12–19 не различимы», «место 3», …"""
    labels = []
    spans: dict[int, tuple[int, int, int]] = {}
    for g in np.unique(group[group > 0]):
        p = place[group == g]
        spans[int(g)] = (int(np.nanmin(p)), int(np.nanmax(p)), int((group == g).sum()))
    for g in group:
        if g == 0:
            labels.append("")
            continue
        first, last, size = spans[int(g)]
        if size == 1:
            labels.append(f"место {first}")
        elif first == last:
            labels.append(f"место {first} (общее у {size})")
        else:
            labels.append(f"места {first}–{last} не различимы")
    return labels
