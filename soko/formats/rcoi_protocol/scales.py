"""A protocol kind's scales from its configuration file: task structure, marks, test scores.

Scales change every year (Rosobrnadzor letters), so they are data, not code: the kind names
its file (``GiaKind.scales_file``, e.g. ``config/gia_scales.yml``) and its block in it (the
kind's code). A scale knows the tasks of the answer strings (to check each task against its
maximum), the primary score → mark rule with its extra conditions (ОГЭ mathematics: «3» only
with ≥ 2 points in geometry) or the primary → test score table with its minimums.

A block holds ``subjects`` (code → ``name`` and the РЦОИ ``rcoi`` code) and ``scales`` by
year, then subject. A kind of several grades (``GiaKind.grades``) tells them apart by the
РЦОИ subject code: ``rcoi`` is then a mapping grade → code, and ``scales`` go by year, then
grade, then subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from soko.config import load_yaml
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.paths import config_dir
from soko.settings import ConfigError


@dataclass(frozen=True)
class Condition:
    """A mark (and every mark above it) also needs ``min_points`` over ``tasks``."""

    mark: int
    tasks: tuple[str, ...]
    min_points: int
    name: str


@dataclass(frozen=True)
class GiaScale:
    procedure: str  # the kind's code
    year: int
    subject: str
    short_labels: tuple[str, ...]
    short_max: tuple[int, ...]
    long_labels: tuple[str, ...]
    long_max: tuple[int, ...]
    marks: tuple[int, int, int] | None = None  # ОГЭ: minimum primary score for 3, 4, 5
    conditions: tuple[Condition, ...] = ()
    test_scores: tuple[int, ...] | None = None  # ЕГЭ: index = primary score
    certificate_min: int | None = None
    university_min: int | None = None
    grade: int | None = None  # set for kinds of several grades

    @property
    def where(self) -> str:
        """«oge 2026 ma» (with the grade for kinds of several grades: «gve 2026 ru 9»)."""
        grade = "" if self.grade is None else f" {self.grade}"
        return f"{self.procedure} {self.year} {self.subject}{grade}"

    @property
    def max_score(self) -> int:
        return sum(self.short_max) + sum(self.long_max)

    @property
    def task_max(self) -> dict[str, int]:
        return dict(
            zip(
                (*self.short_labels, *self.long_labels),
                (*self.short_max, *self.long_max),
                strict=True,
            )
        )

    @property
    def minimum(self) -> int | None:
        """ЕГЭ: the pass threshold (certificate minimum, else the university minimum)."""
        return self.certificate_min if self.certificate_min is not None else self.university_min

    def marks_for(
        self, primary: np.ndarray, task_points: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """ОГЭ marks (float, NaN where the primary score is NaN) by thresholds and conditions.

        ``task_points``: label → points per row, needed only for the conditions' tasks.
        """
        primary = np.asarray(primary, dtype="float64")
        mark = self.threshold_marks(primary)
        for cond in sorted(self.conditions, key=lambda c: -c.mark):
            points = sum(
                (np.asarray((task_points or {})[t], dtype="float64") for t in cond.tasks),
                start=np.zeros_like(primary),
            )
            # A failed condition for mark m caps the mark at m − 1 (and below for lower ones).
            failed = points < cond.min_points
            mark = np.where(failed & (mark >= cond.mark), cond.mark - 1.0, mark)
        return np.where(np.isnan(primary), np.nan, mark)

    def threshold_marks(self, primary: np.ndarray) -> np.ndarray:
        """ОГЭ marks by the primary-score thresholds alone (before the conditions)."""
        if self.marks is None:
            raise ValueError(f"scale {self.where} has no marks")
        primary = np.asarray(primary, dtype="float64")
        t3, t4, t5 = self.marks
        mark = np.select([primary >= t5, primary >= t4, primary >= t3], [5.0, 4.0, 3.0], 2.0)
        return np.where(np.isnan(primary), np.nan, mark)

    def test_scores_for(self, primary: np.ndarray) -> np.ndarray:
        """ЕГЭ test scores by the year's table (NaN outside 0..max)."""
        if self.test_scores is None:
            raise ValueError(f"scale {self.where} has no table")
        primary = np.asarray(primary, dtype="float64")
        table = np.asarray(self.test_scores, dtype="float64")
        ok = (primary >= 0) & (primary <= self.max_score) & (primary == np.floor(primary))
        index = np.where(ok, primary, 0).astype(int)
        return np.where(ok, table[index], np.nan)


@lru_cache(maxsize=8)
def _config(file: str, directory: Path) -> dict[str, Any]:
    return load_yaml(file, directory)


def _dir(directory: Path | None) -> Path:
    return (directory or config_dir()).resolve()


def gia_config(kind: GiaKind, directory: Path | None = None) -> dict[str, Any]:
    """The kind's block of its scales file (``oge:`` of ``config/gia_scales.yml``)."""
    return _config(kind.scales_file, _dir(directory))[kind.code]


def subjects(kind: GiaKind, directory: Path | None = None) -> dict[str, str]:
    """Subject code → Russian name, in config order."""
    return {k: v["name"] for k, v in gia_config(kind, directory)["subjects"].items()}


def _rcoi_codes(kind: GiaKind, entry: dict[str, Any]) -> dict[int, str]:
    """Grade → РЦОИ subject code of one subject entry."""
    rcoi = entry["rcoi"]
    if isinstance(rcoi, dict):
        return {int(g): str(c) for g, c in rcoi.items()}
    return {kind.grades[0]: str(rcoi)}


def subject_grade_by_rcoi(
    kind: GiaKind, directory: Path | None = None
) -> dict[str, tuple[str, int]]:
    """РЦОИ subject code (as text, e.g. «2») → (subject code, grade)."""
    out: dict[str, tuple[str, int]] = {}
    for subject, entry in gia_config(kind, directory)["subjects"].items():
        for grade, code in _rcoi_codes(kind, entry).items():
            out[code] = (subject, grade)
    return out


def subject_by_rcoi(kind: GiaKind, directory: Path | None = None) -> dict[str, str]:
    """РЦОИ subject code (as text, e.g. «2») → subject code (``ma``)."""
    return {code: sg[0] for code, sg in subject_grade_by_rcoi(kind, directory).items()}


def rcoi_code(kind: GiaKind, subject: str, grade: int, directory: Path | None = None) -> str:
    """The РЦОИ code of a subject's exam in a grade (as written in the protocols)."""
    entry = gia_config(kind, directory)["subjects"][subject]
    return _rcoi_codes(kind, entry)[int(grade)]


def _scale(
    procedure: str, year: int, subject: str, entry: dict[str, Any], grade: int | None
) -> GiaScale:
    start = int(entry.get("short_start", 1))
    short = tuple(int(m) for m in entry.get("short", []))
    long = {str(k): int(v) for k, v in (entry.get("long") or {}).items()}
    marks = entry.get("marks")
    table = entry.get("test_scores")
    return GiaScale(
        procedure=procedure,
        year=int(year),
        subject=subject,
        short_labels=tuple(str(start + i) for i in range(len(short))),
        short_max=short,
        long_labels=tuple(long),
        long_max=tuple(long.values()),
        marks=tuple(int(m) for m in marks) if marks else None,  # type: ignore[arg-type]
        conditions=tuple(
            Condition(int(c["mark"]), tuple(str(t) for t in c["tasks"]), int(c["min"]), c["name"])
            for c in entry.get("conditions") or []
        ),
        test_scores=tuple(int(t) for t in table) if table else None,
        certificate_min=entry.get("certificate_min"),
        university_min=entry.get("university_min"),
        grade=grade,
    )


@lru_cache(maxsize=512)
def _scale_cached(
    kind: GiaKind, year: int, subject: str, grade: int | None, directory: Path
) -> GiaScale | None:
    try:
        by_year = _config(kind.scales_file, directory)[kind.code]["scales"][int(year)]
        entry = by_year[int(grade)][subject] if grade is not None else by_year[subject]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    return _scale(kind.code, year, subject, entry, grade)


def scale(
    kind: GiaKind,
    year: int,
    subject: str,
    grade: int | None = None,
    directory: Path | None = None,
) -> GiaScale | None:
    """The year's scale, or None when the config has none (the contract rejects such rows).

    ``grade`` matters for kinds of several grades only (their scales go by grade)."""
    key = int(grade) if kind.several_grades and grade is not None else None
    if kind.several_grades and key is None:
        return None
    return _scale_cached(kind, int(year), subject, key, _dir(directory))


def all_scales(kind: GiaKind, directory: Path | None = None) -> list[GiaScale]:
    cfg = gia_config(kind, directory)
    found = []
    for year, block in sorted(cfg["scales"].items()):
        if kind.several_grades:
            pairs = [(int(g), s) for g, subs in sorted(block.items()) for s in subs]
        else:
            pairs = [(None, s) for s in block]
        for grade, subject in pairs:
            sc = scale(kind, int(year), subject, grade, directory)
            if sc is not None:
                found.append(sc)
    return found


def check_config(kinds: tuple[GiaKind, ...], directory: Path | None = None) -> list[str]:
    """Inconsistencies of the kinds' scales (for tests and for an analyst editing them).

    Each scales file's model checks it when it is read; its problems come back here as
    lines too."""
    try:
        for kind in kinds:
            _config(kind.scales_file, (directory or config_dir()).resolve())
    except ConfigError as err:
        return [p.text() for p in err.problems]
    errors = []
    for kind in kinds:
        for sc in all_scales(kind, directory):
            where = sc.where
            labels = (*sc.short_labels, *sc.long_labels)
            if len(set(labels)) != len(labels):
                errors.append(f"{where}: номера заданий повторяются")
            if sc.marks is not None and not (0 < sc.marks[0] < sc.marks[1] < sc.marks[2]):
                errors.append(f"{where}: границы отметок не возрастают")
            if sc.marks is not None and sc.marks[2] > sc.max_score:
                errors.append(f"{where}: граница «5» выше максимального балла")
            for cond in sc.conditions:
                unknown = [t for t in cond.tasks if t not in labels]
                if unknown:
                    errors.append(f"{where}: в условии нет заданий {unknown}")
            if sc.test_scores is not None:
                table = sc.test_scores
                if len(table) != sc.max_score + 1:
                    errors.append(f"{where}: в таблице перевода {len(table)} значений")
                if list(table) != sorted(table) or table[0] != 0 or table[-1] != 100:
                    errors.append(f"{where}: таблица перевода не растёт от 0 до 100")
    return errors
