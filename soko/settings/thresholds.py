"""``config/thresholds.yml``: suppression minimum, task-completion zones, journal gap, dynamics."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, model_validator

from soko.settings.common import Model, Positive, Share


class Suppression(Model):
    min_group: Positive


class Zone(Model):
    deficit: Share
    sufficient: Share

    @model_validator(mode="after")
    def _order(self) -> Zone:
        if self.sufficient < self.deficit:
            raise ValueError(
                f"sufficient ({self.sufficient}) не может быть меньше deficit ({self.deficit})"
            )
        return self


class Journal(Model):
    large_gap: Positive


class Dynamics(Model):
    negative_share2_rise_pp: Annotated[StrictFloat, Field(gt=0)]


class ThresholdsFile(Model):
    suppression: Suppression
    task_completion: dict[Literal["Б", "П"], Zone]
    journal: Journal
    dynamics: Dynamics
