"""``config/region.yml``: the region, its years, municipalities, school kinds and localities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field, field_validator

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


class RegionFile(Model):
    region: RegionInfo
    years: list[Year] = []
    municipalities: Annotated[list[Municipality], Field(min_length=1)]
    school_kinds: Annotated[list[Text], Field(min_length=1)] = DEFAULT_SCHOOL_KINDS
    localities: Annotated[list[Text], Field(min_length=1)] = DEFAULT_LOCALITIES

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        return unique(v, "годы")

    @field_validator("school_kinds", "localities")
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
