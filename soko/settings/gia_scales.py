"""``config/gia_scales.yml``: ОГЭ and ЕГЭ task structures, mark thresholds, test-score tables."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Annotated, Any

from pydantic import Field, StrictInt, field_validator

from soko.settings.common import Grade, Label, Model, Positive, Text, Year, ascending

Points = Annotated[StrictInt, Field(ge=0)]


class Subject(Model):
    name: Text
    rcoi: Label  # РЦОИ subject code, «2» or 2


class Condition(Model):
    mark: Annotated[StrictInt, Field(ge=3, le=5)]
    tasks: Annotated[list[Label], Field(min_length=1)]
    min: Points
    name: Text


class _Structure(Model):
    short: list[Annotated[StrictInt, Field(ge=1)]] = []
    short_start: StrictInt = 1
    long: dict[Label, Annotated[StrictInt, Field(ge=1)]] = {}

    @property
    def labels(self) -> list[str]:
        return [str(self.short_start + i) for i in range(len(self.short))] + list(self.long)

    @property
    def max_score(self) -> int:
        return sum(self.short) + sum(self.long.values())

    def structure_issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        labels = self.labels
        twice = sorted({t for t in labels if labels.count(t) > 1})
        if twice:
            yield (("long",), f"номера заданий повторяются: {', '.join(twice)}")
        if self.max_score == 0:
            yield ((), "нет заданий (short и long пусты)")


class OgeScale(_Structure):
    marks: Annotated[list[Points], Field(min_length=3, max_length=3)]
    conditions: list[Condition] = []

    @field_validator("marks")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        return ascending(v)

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self.structure_issues()
        if self.marks[-1] > self.max_score:
            yield (
                ("marks",),
                f"порог отметки «5» ({self.marks[-1]}) выше максимального балла "
                f"({self.max_score} = сумма short и long)",
            )
        labels = set(self.labels)
        for i, cond in enumerate(self.conditions):
            unknown = [t for t in cond.tasks if t not in labels]
            if unknown:
                yield (("conditions", i, "tasks"), f"нет таких заданий: {', '.join(unknown)}")


class EgeScale(_Structure):
    test_scores: Annotated[list[Annotated[StrictInt, Field(ge=0, le=100)]], Field(min_length=2)]
    certificate_min: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    university_min: Annotated[StrictInt, Field(ge=0, le=100)] | None = None

    @field_validator("test_scores")
    @classmethod
    def _non_decreasing(cls, v: list[int]) -> list[int]:
        if any(b < a for a, b in pairwise(v)):
            raise ValueError("тестовые баллы не должны убывать с ростом первичного балла")
        if v[0] != 0 or v[-1] != 100:
            raise ValueError(
                f"таблица перевода должна идти от 0 до 100 (получено от {v[0]} до {v[-1]})"
            )
        return v

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self.structure_issues()
        if len(self.test_scores) != self.max_score + 1:
            yield (
                ("test_scores",),
                f"в таблице перевода {len(self.test_scores)} значений, нужно "
                f"{self.max_score + 1} (по одному на каждый первичный балл от 0 до "
                f"{self.max_score})",
            )


class _Procedure(Model):
    grade: Grade
    subjects: Annotated[dict[Label, Subject], Field(min_length=1)]

    def procedure_issues(
        self, name: str, scales: dict[int, dict[str, Any]]
    ) -> Iterator[tuple[tuple[Any, ...], str]]:
        rcoi = [str(s.rcoi) for s in self.subjects.values()]
        twice = sorted({r for r in rcoi if rcoi.count(r) > 1})
        if twice:
            yield ((name, "subjects"), f"коды РЦОИ повторяются: {', '.join(twice)}")
        for year, by_subject in scales.items():
            for subject, sc in by_subject.items():
                where = (name, "scales", year, subject)
                if subject not in self.subjects:
                    yield (where, f"предмет «{subject}» не описан в {name} → subjects")
                for loc, msg in sc.issues():
                    yield ((*where, *loc), msg)


class Oge(_Procedure):
    scales: dict[Year, dict[Label, OgeScale]]


class Ege(_Procedure):
    bands: Annotated[list[Positive], Field(min_length=1)]
    high_score: Annotated[StrictInt, Field(ge=0, le=100)]
    scales: dict[Year, dict[Label, EgeScale]]

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: list[int]) -> list[int]:
        return ascending(v, "границы интервалов")


class GiaScalesFile(Model):
    oge: Oge
    ege: Ege

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self.oge.procedure_issues("oge", self.oge.scales)  # type: ignore[arg-type]
        yield from self.ege.procedure_issues("ege", self.ege.scales)  # type: ignore[arg-type]
