"""Building blocks shared by the configuration models: strict numbers, years, grades, the
mark scale of a work, the subject/scale block of ``vpr_scales.yml``-like files."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)


class Model(BaseModel):
    """A block of a configuration file: unknown keys are mistakes (typos), not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _label(value: Any) -> Any:
    """A task label or code written as a bare number (``20:``) is the text «20»."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[StrictStr, Field(min_length=1)]
Label = Annotated[StrictStr, BeforeValidator(_label), Field(min_length=1)]
Count = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(gt=0)]
Number = StrictFloat  # accepts integers too
Share = Annotated[StrictFloat, Field(gt=0, le=1)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]
Grade = Annotated[StrictInt, Field(ge=1, le=11)]


def ascending(values: list[Any], what: str = "пороги отметок") -> list[Any]:
    if any(b <= a for a, b in pairwise(values)):
        raise ValueError(f"{what} должны возрастать (получено {list(values)})")
    return values


def unique(values: list[Any], what: str) -> list[Any]:
    twice = sorted({str(v) for v in values if values.count(v) > 1})
    if twice:
        raise ValueError(f"{what} повторяются: {', '.join(twice)}")
    return values


class MarkScale(Model):
    """``{max: 24, marks: [10, 16, 21]}``: the maximum and the minimum scores for 3, 4, 5."""

    max: Positive
    marks: Annotated[list[Annotated[StrictInt, Field(ge=0)]], Field(min_length=3, max_length=3)]

    @field_validator("marks")
    @classmethod
    def _ascending(cls, v: list[int]) -> list[int]:
        return ascending(v)

    @model_validator(mode="after")
    def _max_reaches_top(self) -> MarkScale:
        if self.max < self.marks[-1]:
            raise ValueError(
                f"максимальный балл max ({self.max}) меньше порога отметки «5» ({self.marks[-1]})"
            )
        return self


class ScalesFile(Model):
    """``subjects`` (code → Russian name) and ``scales`` (year → subject → grade → scale),
    the format of ``vpr_scales.yml`` (and of ``niko.yml``, ``rpr.yml``)."""

    subjects: Annotated[dict[Label, Text], Field(min_length=1)]
    scales: dict[Year, dict[Label, dict[Grade, MarkScale]]]

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        for year, by_subject in self.scales.items():
            for subject in by_subject:
                if subject not in self.subjects:
                    yield (
                        ("scales", year, subject),
                        f"предмет «{subject}» не описан в subjects "
                        f"(есть: {', '.join(self.subjects)})",
                    )
