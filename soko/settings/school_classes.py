"""``config/school_classes.yml``: the rules of ШНОР, ШНСУ, resilient schools and the bank of
high-result schools (soko.school_classes; the numbers there are parameters, checked here)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from soko.settings.common import Count, Grade, Label, Model, Positive, Share, Text
from soko.settings.value_added import VaModel, VaProcedure

Subjects = Annotated[list[Label], Field(min_length=1)]


class Results(Model):
    measure: Literal["share", "standardised"] = "share"
    grades: Annotated[list[Grade], Field(min_length=1)] | None = [4, 5, 6, 7, 8]
    min_grade_participants: Count = 5
    min_participants: Count = 10


class Stability(Model):
    window: Positive = 3


class _YearsRule(Model):
    subjects: Subjects = ["ru", "ma"]
    years_min: Positive
    years_window: Positive

    @model_validator(mode="after")
    def _window(self) -> _YearsRule:
        if self.years_min > self.years_window:
            raise ValueError(
                f"years_min ({self.years_min}) больше years_window ({self.years_window}): "
                "школа не может набрать больше лет, чем в окне"
            )
        return self


class Shnor(_YearsRule):
    bottom_share: Share


class Shnsu(Model):
    index: Literal["isbs"] = "isbs"
    bottom_share: Share


class ValueAddedCondition(Model):
    enabled: StrictBool = True
    procedures: Annotated[list[VaProcedure], Field(min_length=1)] = ["vpr", "rpr"]
    models: Annotated[list[VaModel], Field(min_length=1)] = ["student", "school"]
    subjects: Subjects = ["ru", "ma"]
    bands: Annotated[list[Literal["above", "average", "below"]], Field(min_length=1)] = ["above"]


class Resilient(Model):
    results_top_share: Share
    results_subjects: Subjects = ["ru", "ma"]
    results_rule: Literal["any", "all"] = "any"
    value_added: ValueAddedCondition = ValueAddedCondition()


class HighResults(_YearsRule):
    top_share: Share
    min_participants: Count = 20
    exclude_objectivity: StrictBool = True
    objectivity_column: Text = "n_markers"


class SchoolClassesFile(Model):
    results: Results = Results()
    stability: Stability = Stability()
    shnor: Shnor
    shnsu: Shnsu
    resilient: Resilient
    high_results: HighResults
