"""``config/surveys.yml``: the Likert scale, questionnaires, items, reversed items, indices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt, model_validator

from soko.settings.common import Grade, Label, Model, Text


class Scale(Model):
    min: StrictInt
    max: StrictInt
    agree_from: StrictInt

    @model_validator(mode="after")
    def _order(self) -> Scale:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) должно быть меньше max ({self.max})")
        if not self.min <= self.agree_from <= self.max:
            raise ValueError(f"agree_from ({self.agree_from}) вне шкалы {self.min}–{self.max}")
        return self


class SurveyIndex(Model):
    name: Text
    items: Annotated[list[Label], Field(min_length=1)]


class Questionnaire(Model):
    name: Text
    respondent: Text
    contingent: Text
    grades: Annotated[list[Grade], Field(min_length=1)]
    items: Annotated[dict[Label, Text], Field(min_length=1)]
    reversed: list[Label] = []
    indices: Annotated[dict[Label, SurveyIndex], Field(min_length=1)]


class SurveysFile(Model):
    scale: Scale
    scale_labels: dict[StrictInt, Text]
    min_answered_share: Annotated[StrictFloat, Field(gt=0, le=1)]
    high_from: StrictFloat
    questionnaires: Annotated[dict[Label, Questionnaire], Field(min_length=1)]

    def issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        lo, hi = self.scale.min, self.scale.max
        for value in self.scale_labels:
            if not lo <= value <= hi:
                yield (("scale_labels", value), f"ответ {value} вне шкалы {lo}–{hi}")
        if not lo <= self.high_from <= hi:
            yield (("high_from",), f"значение {self.high_from} вне шкалы {lo}–{hi}")
        contingents: dict[str, str] = {}
        for code, q in self.questionnaires.items():
            for i, item in enumerate(q.reversed):
                if item not in q.items:
                    yield (("questionnaires", code, "reversed", i), f"нет вопроса «{item}» в items")
            for ic, ix in q.indices.items():
                for i, item in enumerate(ix.items):
                    if item not in q.items:
                        yield (
                            ("questionnaires", code, "indices", ic, "items", i),
                            f"нет вопроса «{item}» в items",
                        )
            if q.contingent in contingents:
                yield (
                    ("questionnaires", code, "contingent"),
                    f"«{q.contingent}» уже у анкеты {contingents[q.contingent]}",
                )
            contingents.setdefault(q.contingent, code)
