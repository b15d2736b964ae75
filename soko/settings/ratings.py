"""``config/ratings.yml``: the rating of schools and of municipalities (soko.ratings) — which
indicators make the composite, their weights and directions, how each is standardised, the
bootstrap behind every place's interval and who may see the result.

No federal scale for rating schools is public (004_* roadmap 1.1.4 asks the region for a
regulation of its own), so the file is the region's choice; this model only checks that the
choice can be computed, with a Russian message naming the key.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, model_validator

from soko.settings.common import Count, Grade, Label, Model, Positive, Text, unique

Source = Literal["vpr", "oge", "ege", "value_added"]
# Which per-student measure each source has (the value added is a per-school estimate).
MEASURES: dict[str, tuple[str, ...]] = {
    "vpr": ("score_share", "share_mark2", "share_mark45", "mean_mark"),
    "oge": ("score_share", "share_mark2", "share_mark45", "mean_mark"),
    "ege": ("score_share", "mean_score"),
    "value_added": ("effect",),
}


class Component(Model):
    """One indicator of the composite: a measure of one source, its weight and direction."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: Text
    source: Source
    measure: Text
    subjects: Annotated[list[Label], Field(min_length=1)] | None = None  # None: every subject
    grades: Annotated[list[Grade], Field(min_length=1)] | None = None  # None: every grade
    analyses: Annotated[list[Text], Field(min_length=1)] | None = None  # value added only
    weight: Annotated[StrictFloat, Field(gt=0)]
    direction: Literal["higher", "lower"] = "higher"

    @model_validator(mode="after")
    def _measure_of_source(self) -> Component:
        allowed = MEASURES[self.source]
        if self.measure not in allowed:
            raise ValueError(
                f"показатель «{self.id}»: measure «{self.measure}» не подходит к источнику "
                f"«{self.source}» (можно: {', '.join(allowed)})"
            )
        if self.source == "value_added" and not self.analyses:
            raise ValueError(
                f"показатель «{self.id}»: для добавленной ценности укажите analyses — "
                "id анализов из config/value_added.yml"
            )
        if self.source != "value_added" and self.analyses is not None:
            raise ValueError(
                f"показатель «{self.id}»: analyses задаются только для source: value_added"
            )
        return self


class Level(Model):
    """The rating of one kind of unit (schools or municipalities)."""

    standardise: Literal["z", "percentile"] = "z"
    components: Annotated[list[Component], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> Level:
        unique([c.id for c in self.components], "id показателей")
        return self


class Bootstrap(Model):
    replicates: Annotated[int, Field(ge=20, le=10_000, strict=True)] = 200
    seed: Count = 20260401


class RatingsFile(Model):
    audience: Literal["internal", "public"] = "internal"
    min_students: Positive = 10
    min_weight_share: Annotated[StrictFloat, Field(gt=0, le=1)] = 0.5
    interval: Annotated[StrictFloat, Field(gt=0.5, lt=1)] = 0.9
    bootstrap: Bootstrap = Bootstrap()
    schools: Level
    municipalities: Level
