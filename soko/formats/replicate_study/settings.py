"""``config/pisa.yml`` as typed settings, and the student file's column names.

Weight and plausible-value columns keep PISA's names (W_FSTUWT, W_FSTURWT1…80, PV1READ…)
because analysts know them from the OECD files and from intsvy / EdSurvey.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from soko.config import load_yaml
from soko.paths import config_dir

FINAL_WEIGHT = "W_FSTUWT"
REPLICATE_PREFIX = "W_FSTURWT"


@dataclass(frozen=True)
class Domain:
    code: str  # read, math, scie
    column: str  # READ: PV columns are PV1READ …
    name: str  # «Читательская грамотность»
    levels: dict[str, float]  # level label -> lower bound, ascending

    @property
    def cuts(self) -> list[float]:
        return list(self.levels.values())

    @property
    def level_labels(self) -> list[str]:
        """Labels of the intervals the cuts make: «ниже 1», «1», … «6»."""
        first = next(iter(self.levels))
        return [f"ниже {first}", *self.levels]


@dataclass(frozen=True)
class PisaSettings:
    replicates: int
    fay_k: float
    plausible_values: int
    pv_range: tuple[float, float]
    escs_range: tuple[float, float]
    baseline_level: str
    domains: dict[str, Domain]
    municipality_min_schools: int
    municipality_min_students: int
    report_min_students: int = 30  # PISA's reporting rule for a group's estimate
    report_min_schools: int = 5

    def baseline_cut(self, domain: str) -> float:
        return self.domains[domain].levels[self.baseline_level]

    def pv_headers(self, domain: str) -> list[str]:
        col = self.domains[domain].column
        return [f"PV{m}{col}" for m in range(1, self.plausible_values + 1)]

    def replicate_headers(self) -> list[str]:
        return [f"{REPLICATE_PREFIX}{r}" for r in range(1, self.replicates + 1)]

    # canonical (lower-case) names in data/processed
    def pv_columns(self, domain: str) -> list[str]:
        return [h.lower() for h in self.pv_headers(domain)]

    def replicate_columns(self) -> list[str]:
        return [h.lower() for h in self.replicate_headers()]


@lru_cache(maxsize=4)
def _settings(directory: Path) -> PisaSettings:
    raw = load_yaml("pisa.yml", directory)
    domains = {
        code: Domain(
            code=code,
            column=str(d["column"]),
            name=str(d["name"]),
            levels=dict(
                sorted(((str(k), float(v)) for k, v in d["levels"].items()), key=lambda kv: kv[1])
            ),
        )
        for code, d in raw["domains"].items()
    }
    return PisaSettings(
        replicates=int(raw["replicates"]),
        fay_k=float(raw["fay_k"]),
        plausible_values=int(raw["plausible_values"]),
        pv_range=tuple(float(v) for v in raw["pv_range"]),  # type: ignore[arg-type]
        escs_range=tuple(float(v) for v in raw["escs_range"]),  # type: ignore[arg-type]
        baseline_level=str(raw["baseline_level"]),
        domains=domains,
        municipality_min_schools=int(raw["municipality_min_schools"]),
        municipality_min_students=int(raw["municipality_min_students"]),
        report_min_students=int(raw.get("report_min_students", 30)),
        report_min_schools=int(raw.get("report_min_schools", 5)),
    )


def pisa_settings(directory: Path | None = None) -> PisaSettings:
    return _settings((directory or config_dir()).resolve())
