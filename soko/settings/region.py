"""``config/region.yml``: the region, its years, municipalities, school kinds and localities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, field_validator

from soko.settings.common import Model, Text, Year, unique

DEFAULT_SCHOOL_KINDS = ["СОШ", "ООШ", "Лицей", "Гимназия"]
DEFAULT_LOCALITIES = ["Город", "Село"]


class RegionInfo(Model):
    code: Text  # «99»: in quotes, so that «01» stays «01»
    name: Text
    name_genitive: Text | None = None


class Municipality(Model):
    """One municipality for a period of years: a former district carries ``valid_to`` (the
    last year it existed) and ``successor`` (the code its schools moved to); a renamed or new
    one carries ``valid_from``. Without either it is valid for every year."""

    code: Text
    name: Text
    valid_from: Year | None = None
    valid_to: Year | None = None
    successor: Text | None = None

    def covers(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


# «today» (default): dynamics and value added in today's municipalities and schools (a
# merged school's history under its successor); «year»: as each year's registry had them.
Boundaries = Literal["today", "year"]


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
    boundaries: Boundaries = "today"

    @field_validator("years")
    @classmethod
    def _years(cls, v: list[int]) -> list[int]:
        return unique(v, "годы")

    @field_validator("school_kinds", "localities", "core_subjects")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return unique(v, "значения")

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self._municipality_issues()
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

    def _municipality_issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        """A code may appear more than once only with periods that do not overlap (a district
        renamed into a municipal okrug); a successor is a code valid the year after."""
        seen: dict[str, list[int]] = {}
        for i, m in enumerate(self.municipalities):
            where = ("municipalities", i)
            if m.valid_from is not None and m.valid_to is not None and m.valid_from > m.valid_to:
                yield (
                    (*where, "valid_to"),
                    f"valid_to ({m.valid_to}) раньше valid_from ({m.valid_from})",
                )
            for j in seen.get(m.code, []):
                other = self.municipalities[j]
                if _overlap(m, other):
                    yield (
                        (*where, "code"),
                        f"код муниципалитета «{m.code}» уже есть в строке {j + 1} списка "
                        "с пересекающимся периодом (задайте valid_from / valid_to)",
                    )
            seen.setdefault(m.code, []).append(i)
            if m.successor is not None:
                if m.valid_to is None:
                    yield (
                        (*where, "successor"),
                        "правопреемник указан, а год valid_to (последний год) — нет",
                    )
                elif not any(
                    o.code == m.successor and o.covers(m.valid_to + 1) for o in self.municipalities
                ):
                    yield (
                        (*where, "successor"),
                        f"муниципалитет-правопреемник «{m.successor}» не описан в списке "
                        f"на {m.valid_to + 1} год",
                    )


def _overlap(a: Municipality, b: Municipality) -> bool:
    lo = max(a.valid_from or 0, b.valid_from or 0)
    hi = min(a.valid_to or 9999, b.valid_to or 9999)
    return lo <= hi
