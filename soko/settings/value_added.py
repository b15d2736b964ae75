"""``config/value_added.yml``: the value-added analyses the build fits (soko.value_added)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from soko.settings.common import Count, Grade, Label, Model, Text, unique

# Procedures whose results have grades and primary scores a value-added model can use, the
# models of soko.value_added.tables (student: linked ids; school: cohort means), the prior
# modes and the context columns its model frame has.
VA_PROCEDURES = ("vpr", "rpr", "niko")
VA_MODELS = ("student", "school")
VaProcedure = Literal["vpr", "rpr", "niko"]
VaModel = Literal["student", "school"]
Context = Literal["isbs", "prior_school_mean"]
# Scales file of each procedure: the subjects an analysis names must be there.
SCALES_FILE = {"vpr": "vpr_scales.yml", "rpr": "rpr.yml", "niko": "niko.yml"}


class Analysis(Model):
    id: Label
    title: Text
    procedure: VaProcedure
    model: VaModel
    subjects: Annotated[list[Label], Field(min_length=1)]
    grades: Annotated[list[Annotated[Grade, Field(ge=2)]], Field(min_length=1)]
    context: list[Context] = []
    prior: Literal["regress", "gain"] = "regress"

    @field_validator("subjects", "grades", "context")
    @classmethod
    def _unique(cls, v: list[Any]) -> list[Any]:
        return unique(v, "значения")


class ValueAddedFile(Model):
    analyses: Annotated[list[Analysis], Field(min_length=1)]
    min_students_listed: Count = 0

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        first: dict[str, int] = {}
        for i, a in enumerate(self.analyses):
            if a.id in first:
                yield (("analyses", i, "id"), f"анализ «{a.id}» уже описан выше")
            first.setdefault(a.id, i)
