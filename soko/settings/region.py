"""``config/region.yml``: the region, its years, municipalities, school kinds and localities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field, StrictInt, field_validator

from soko.settings.common import Model, Text, Year, unique

DEFAULT_SCHOOL_KINDS = ["СОШ", "ООШ", "Лицей", "Гимназия"]
DEFAULT_LOCALITIES = ["Город", "Село"]


class RegionInfo(Model):
    code: Text  # «99»: in quotes, so that «01» stays «01»
    name: Text
    name_genitive: Text | None = None


class Municipality(Model):
    code: Text
    name: Text


class Stage(Model):
    procedure: Text  # a procedure code; checked against the registry by `soko check-config`
    grade: Annotated[StrictInt, Field(ge=1, le=11)]


class Comparison(Model):
    code: Text
    earlier: Stage
    later: Stage
    lag: Annotated[StrictInt, Field(ge=1, le=11)]


class RegionFile(Model):
    region: RegionInfo
    years: list[Year] = []
    municipalities: Annotated[list[Municipality], Field(min_length=1)]
    school_kinds: Annotated[list[Text], Field(min_length=1)] = DEFAULT_SCHOOL_KINDS
    localities: Annotated[list[Text], Field(min_length=1)] = DEFAULT_LOCALITIES
    core_subjects: Annotated[list[Text], Field(min_length=1)] = ["ru", "ma"]
    comparisons: list[Comparison] = []

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        return unique(v, "годы")

    @field_validator("school_kinds", "localities", "core_subjects")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return unique(v, "значения")

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        seen: dict[str, int] = {}
        for i, m in enumerate(self.municipalities):
            if m.code in seen:
                yield (
                    ("municipalities", i, "code"),
                    f"код муниципалитета «{m.code}» уже есть в строке {seen[m.code] + 1} списка",
                )
            seen.setdefault(m.code, i)
        codes: dict[str, int] = {}
        for i, c in enumerate(self.comparisons):
            if c.code in codes:
                yield (("comparisons", i, "code"), f"сопоставление «{c.code}» уже задано выше")
            codes.setdefault(c.code, i)
            if c.later.grade - c.earlier.grade != c.lag:
                yield (
                    ("comparisons", i, "lag"),
                    f"lag должен равняться разнице классов ({c.later.grade} − "
                    f"{c.earlier.grade} = {c.later.grade - c.earlier.grade}): "
                    "сравнивается один и тот же выпуск",
                )
