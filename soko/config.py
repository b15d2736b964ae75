"""Region settings from ``config/``: municipalities, mark scales, thresholds.

Values that change by year or region (scales, thresholds) live in YAML, not in code, so a
new year of real data needs a config edit, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from soko.paths import config_dir
from soko.settings import load_checked, schema_for
from soko.settings.loading import load_checked_path, read_raw
from soko.settings.region import Comparison as ComparisonEntry
from soko.settings.region import Municipality, RegionFile
from soko.settings.scales import VprScalesFile
from soko.settings.thresholds import ThresholdsFile


def load_yaml(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The file's YAML as a plain mapping, checked first against its model in
    ``soko.settings.SCHEMAS``: a mistake raises ``ConfigError`` with every problem in Russian
    (a missing file: ``ConfigFileMissing``, also a ``FileNotFoundError``)."""
    path = (directory or config_dir()) / name
    model = schema_for(name)
    if model is not None:
        load_checked_path(path, model)
    return read_raw(path)


@dataclass(frozen=True)
class MarkScale:
    """Primary score -> mark scale of one year, subject and grade."""

    max_score: int
    thresholds: tuple[int, int, int]  # minimum primary score for marks 3, 4, 5

    def mark(self, score: float) -> int:
        t3, t4, t5 = self.thresholds
        if score >= t5:
            return 5
        if score >= t4:
            return 4
        if score >= t3:
            return 3
        return 2


@dataclass(frozen=True)
class RegionConfig:
    code: str
    name: str
    name_genitive: str
    years: tuple[int, ...]
    municipalities: dict[str, str]  # code -> today's name, in report order
    school_kinds: tuple[str, ...] = ("СОШ", "ООШ", "Лицей", "Гимназия")
    localities: tuple[str, ...] = ("Город", "Село")
    # every period of every municipality, former ones included: (code, name, from, to, successor)
    municipality_periods: tuple[Municipality, ...] = ()
    boundaries: str = "today"  # dynamics and value added: "today" or "year"

    def municipality_name(self, code: str) -> str:
        return self.municipalities.get(code, code)

    def municipalities_in(self, year: int) -> dict[str, str]:
        """Code -> name as the municipalities were in ``year`` (report order)."""
        if not self.municipality_periods:
            return dict(self.municipalities)
        return {p.code: p.name for p in self.municipality_periods if p.covers(year)}

    @property
    def all_municipality_codes(self) -> list[str]:
        """Every code the config ever knew, former districts included (registry check)."""
        return list(
            dict.fromkeys([*(p.code for p in self.municipality_periods), *self.municipalities])
        )

    def municipality_successors(self) -> dict[str, str]:
        """Former municipality code -> the code its schools moved to (followed to today)."""
        direct = {p.code: p.successor for p in self.municipality_periods if p.successor}
        out: dict[str, str] = {}
        for code in direct:
            seen, cur = {code}, direct[code]
            while cur in direct and cur not in seen:
                seen.add(cur)
                cur = direct[cur]
            out[code] = cur
        return out


@lru_cache(maxsize=8)
def _region(directory: Path) -> RegionConfig:
    cfg = load_checked("region.yml", RegionFile, directory)
    return RegionConfig(
        code=cfg.region.code,
        name=cfg.region.name,
        name_genitive=cfg.region.name_genitive or cfg.region.name,
        years=tuple(cfg.years),
        municipalities={m.code: m.name for m in cfg.municipalities if m.valid_to is None},
        school_kinds=tuple(cfg.school_kinds),
        localities=tuple(cfg.localities),
        municipality_periods=tuple(cfg.municipalities),
        boundaries=cfg.boundaries,
    )


def region(directory: Path | None = None) -> RegionConfig:
    return _region((directory or config_dir()).resolve())


@lru_cache(maxsize=8)
def _vpr(directory: Path) -> VprScalesFile:
    return load_checked("vpr_scales.yml", VprScalesFile, directory)


def vpr_subjects(directory: Path | None = None) -> dict[str, str]:
    """Subject code -> Russian subject name."""
    return dict(_vpr((directory or config_dir()).resolve()).subjects)


def vpr_subject_code(name: str, directory: Path | None = None) -> str | None:
    wanted = name.strip().lower()
    for code, title in vpr_subjects(directory).items():
        if title.lower() == wanted:
            return code
    return None


def vpr_scale(
    year: int, subject: str, grade: int, directory: Path | None = None
) -> MarkScale | None:
    """The year's scale, or None when the config has none (the contract then rejects the file)."""
    scales = _vpr((directory or config_dir()).resolve()).scales
    try:
        entry = scales[int(year)][subject][int(grade)]
    except KeyError:
        return None
    return MarkScale(max_score=entry.max, thresholds=tuple(entry.marks))  # type: ignore[arg-type]


def thresholds(directory: Path | None = None) -> dict[str, Any]:
    return load_yaml("thresholds.yml", directory)


def min_group(directory: Path | None = None) -> int:
    return load_checked("thresholds.yml", ThresholdsFile, directory).suppression.min_group


def core_subjects(directory: Path | None = None) -> tuple[str, ...]:
    """Subjects every student writes (``core_subjects`` in ``config/region.yml``)."""
    return tuple(load_checked("region.yml", RegionFile, directory).core_subjects)


def comparisons(directory: Path | None = None) -> list[ComparisonEntry]:
    """The cross-procedure comparisons (``comparisons`` in ``config/region.yml``)."""
    return list(load_checked("region.yml", RegionFile, directory).comparisons)


def subject_names(directory: Path | None = None) -> dict[str, str]:
    """Subject code → name: the ``subjects`` blocks (code → name) of every file in ``config/``
    that has one (НИКО's literature, ...), ВПР's (``vpr_scales.yml``) taking precedence."""
    folder = directory or config_dir()
    names: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        if path.name == "vpr_scales.yml":
            continue
        block = load_yaml(path.name, directory).get("subjects")
        if isinstance(block, dict) and all(isinstance(v, str) for v in block.values()):
            names.update({str(k): v for k, v in block.items()})
    return {**names, **vpr_subjects(directory)}
