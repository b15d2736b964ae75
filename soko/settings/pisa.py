"""``config/pisa.yml``: replicate design, plausible values, ranges, domains and levels."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictFloat, field_validator

from soko.settings.common import Label, Model, Positive, Text


def _range(v: list[float]) -> list[float]:
    if v[0] >= v[1]:
        raise ValueError(f"нижняя граница должна быть меньше верхней (получено {list(v)})")
    return v


Range = Annotated[list[StrictFloat], Field(min_length=2, max_length=2), AfterValidator(_range)]


class Domain(Model):
    column: Annotated[Text, Field(pattern=r"^[A-Z0-9_]+$")]
    name: Text
    levels: Annotated[dict[Label, StrictFloat], Field(min_length=1)]

    @field_validator("levels")
    @classmethod
    def _ascending(cls, v: dict[str, float]) -> dict[str, float]:
        bounds = list(v.values())
        if any(b <= a for a, b in pairwise(bounds)):
            raise ValueError(f"нижние границы уровней должны возрастать (получено {bounds})")
        return v


class PisaFile(Model):
    replicates: Positive
    fay_k: Annotated[StrictFloat, Field(ge=0, lt=1)]
    plausible_values: Positive
    pv_range: Range
    escs_range: Range
    baseline_level: Label
    domains: Annotated[dict[Label, Domain], Field(min_length=1)]
    report_min_students: Positive = 30
    report_min_schools: Positive = 5
    municipality_min_schools: Positive
    municipality_min_students: Positive

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        for code, d in self.domains.items():
            if self.baseline_level not in d.levels:
                yield (
                    ("domains", code, "levels"),
                    f"нет базового уровня «{self.baseline_level}» (baseline_level)",
                )
