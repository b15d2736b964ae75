"""Task blueprints of the demo ВПР works: labels, maxima, levels and item parameters.

One blueprint per subject × grade, the same in every year (so year-on-year comparisons are
legitimate). Task maxima are 1–4 and sum exactly to the scale's maximum; Russian starts with
criteria-scored tasks («1К1», «1К2», …), other subjects have numbered tasks with sub-tasks
(«9.1», «9.2»). The first ~70 % of the tasks are basic (Б), the rest advanced (П).

Item model: a task with maximum m gives a student of ability θ a score
``Binomial(m, logistic(a · (θ − b − shift)))`` (a 2PL model for each of the m steps). ``b`` is
drawn by level (basic easy, advanced hard); ``shift`` is calibrated per subject × grade so the
expected share of «2» under the first year's scale lands in a plausible range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from soko.config import MarkScale
from soko.demo.model import ModelParams, rng_for


@dataclass(frozen=True)
class SubjectStyle:
    """How a subject's works look: criteria blocks and the mix of task maxima."""

    lead_criteria: tuple[tuple[int, ...], ...] = ()  # per block: criteria maxima (1К1, 1К2, …)
    tail_criteria: tuple[int, ...] = ()  # criteria of the last task (an extended answer)
    maxima: tuple[int, ...] = (1, 2, 3)
    weights: tuple[float, ...] = (0.45, 0.4, 0.15)
    subtask_prob: float = 0.2


def subject_style(subject: str, grade: int) -> SubjectStyle:
    """The look of a subject's work (unknown subjects get a generic style)."""
    if subject == "ru":
        lead = ((4, 3),) if grade == 4 else ((4, 3, 2), (3, 3, 3, 3))
        return SubjectStyle(lead, (), (1, 2, 3, 4), (0.3, 0.4, 0.25, 0.05), 0.12)
    if subject == "ma":
        return SubjectStyle((), (), (1, 2, 3), (0.6, 0.3, 0.1), 0.15)
    if subject == "om":
        return SubjectStyle((), (), (1, 2, 3), (0.35, 0.45, 0.2), 0.35)
    if subject == "hi":
        tail = (2, 1) if grade >= 6 else ()
        return SubjectStyle((), tail, (1, 2, 3), (0.45, 0.35, 0.2), 0.1)
    if subject == "bi":
        return SubjectStyle((), (), (1, 2, 3), (0.4, 0.4, 0.2), 0.3)
    return SubjectStyle()


@dataclass(frozen=True)
class Blueprint:
    """Tasks of one subject × grade work and their item parameters."""

    subject: str
    grade: int
    labels: tuple[str, ...]
    maxima: np.ndarray  # int, per task
    levels: tuple[str, ...]  # «Б» / «П»
    difficulty: np.ndarray  # b + shift (what the simulation uses)
    discrimination: np.ndarray
    shift: float
    target_mark2_share: float

    @property
    def max_score(self) -> int:
        return int(self.maxima.sum())

    @property
    def headers(self) -> list[str]:
        return [f"{label} ({m}б)" for label, m in zip(self.labels, self.maxima, strict=True)]

    @property
    def advanced(self) -> np.ndarray:
        return np.array([lvl == "П" for lvl in self.levels])


def _numbered_maxima(total: int, style: SubjectStyle, rng: np.random.Generator) -> list[int]:
    out: list[int] = []
    probs = np.array(style.weights) / sum(style.weights)
    while sum(out) < total:
        m = int(rng.choice(style.maxima, p=probs))
        out.append(min(m, total - sum(out)))
    return out


def _labels(
    style: SubjectStyle, numbered: list[int], rng: np.random.Generator
) -> tuple[list[str], list[int]]:
    labels: list[str] = []
    maxima: list[int] = []
    number = 0
    for block in style.lead_criteria:
        number += 1
        for c, m in enumerate(block, start=1):
            labels.append(f"{number}К{c}")
            maxima.append(m)
    i = 0
    while i < len(numbered):
        number += 1
        left = len(numbered) - i
        if left >= 2 and rng.random() < style.subtask_prob:
            n_sub = 2 if left == 2 or rng.random() < 0.6 else 3
            for s in range(1, n_sub + 1):
                labels.append(f"{number}.{s}")
                maxima.append(numbered[i])
                i += 1
        else:
            labels.append(str(number))
            maxima.append(numbered[i])
            i += 1
    if style.tail_criteria:
        number += 1
        for c, m in enumerate(style.tail_criteria, start=1):
            labels.append(f"{number}К{c}")
            maxima.append(m)
    return labels, maxima


def _score_pmf(a: np.ndarray, b: np.ndarray, m: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """P(primary score = k | θ) for every θ on a grid: convolution of the tasks' binomials."""
    dist = np.ones((len(theta), 1))
    for aj, bj, mj in zip(a, b, m, strict=True):
        p = (1.0 / (1.0 + np.exp(-aj * (theta - bj))))[:, None]
        k = np.arange(mj + 1)[None, :]
        choose = np.array([math.comb(int(mj), int(i)) for i in range(mj + 1)])[None, :]
        item = choose * p**k * (1.0 - p) ** (mj - k)
        new = np.zeros((len(theta), dist.shape[1] + mj))
        for k in range(mj + 1):
            new[:, k : k + dist.shape[1]] += dist * item[:, k : k + 1]
        dist = new
    return dist


def calibrate_shift(
    a: np.ndarray, b: np.ndarray, m: np.ndarray, threshold3: int, target: float, theta_sd: float
) -> float:
    """Difficulty shift that gives the target share of «2» for θ ~ N(0, theta_sd)."""
    grid = np.linspace(-4.5, 4.5, 61) * theta_sd
    weights = np.exp(-0.5 * (grid / theta_sd) ** 2)
    weights /= weights.sum()

    def share2(shift: float) -> float:
        pmf = _score_pmf(a, b + shift, m, grid)
        return float(weights @ pmf[:, :threshold3].sum(axis=1))

    lo, hi = -4.0, 4.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if share2(mid) < target:
            lo = mid
        else:
            hi = mid
    return round(0.5 * (lo + hi), 4)


def build_blueprint(
    seed: int,
    subject: str,
    grade: int,
    scale: MarkScale,
    params: ModelParams,
    theta_sd: float,
    variant: int = 0,
) -> Blueprint:
    """The work's tasks, deterministic for (seed, subject, grade) and calibrated to the scale.

    ``variant`` (non-zero) gives another structure, for a year whose maximum changed.
    """
    keys: tuple[int | str, ...] = (subject, grade) + ((variant,) if variant else ())
    rng = rng_for(seed, "blueprint", *keys)
    style = subject_style(subject, grade)
    fixed = sum(sum(block) for block in style.lead_criteria) + sum(style.tail_criteria)
    if fixed >= scale.max_score:
        style = SubjectStyle(maxima=style.maxima, weights=style.weights)
        fixed = 0
    numbered = _numbered_maxima(scale.max_score - fixed, style, rng)
    labels, maxima = _labels(style, numbered, rng)
    n = len(labels)
    n_basic = max(1, round(params.basic_share * n))
    levels = tuple("Б" if j < n_basic else "П" for j in range(n))
    order = np.arange(n) / max(n - 1, 1)
    basic = np.array([lvl == "Б" for lvl in levels])
    b = np.where(
        basic,
        rng.uniform(params.basic_difficulty_low, params.basic_difficulty_high, n),
        rng.uniform(params.advanced_difficulty_low, params.advanced_difficulty_high, n),
    ) + 0.3 * (order - 0.5)
    a = rng.uniform(params.discrimination_low, params.discrimination_high, n)
    m = np.array(maxima, dtype=np.int64)
    target = float(rng.uniform(params.mark2_share_low, params.mark2_share_high))
    shift = calibrate_shift(a, b, m, scale.thresholds[0], target, theta_sd)
    if int(m.sum()) != scale.max_score:  # pragma: no cover - construction guarantees it
        raise AssertionError("task maxima do not sum to the scale maximum")
    return Blueprint(
        subject=subject,
        grade=grade,
        labels=tuple(labels),
        maxima=m,
        levels=levels,
        difficulty=np.round(b + shift, 4),
        discrimination=np.round(a, 4),
        shift=shift,
        target_mark2_share=round(target, 4),
    )
