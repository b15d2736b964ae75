"""``config/objectivity.yml``: the objectivity screen's minimum sizes, weights and bars."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StrictFloat, field_validator

from soko.settings.common import Model, Positive, Text, unique

Signal = Literal[
    "bunching",
    "journal_above_vpr",
    "vpr_above_journal",
    "inverted_difficulty",
    "above_expectation",
    "jump_reversion",
    "answer_similarity",
    "person_fit",
]
SIGNALS: tuple[str, ...] = get_args(Signal)
DEFAULT_SELECTIVE_KINDS = ("Лицей", "Гимназия")
DEFAULT_BASIC_KINDS = ("ООШ",)
DEFAULT_VILLAGE_LOCALITIES = ("Село",)


class Minimum(Model):
    unit_n: Positive = 10
    journal_n: Positive = 10
    bunching_window_n: Positive = 5
    class_n: Positive = 5
    profile_n: Positive = 30


class Bunching(Model):
    below: Positive = 3


class Similarity(Model):
    near_identical_share: Annotated[StrictFloat, Field(ge=0, lt=1)] = 0.1


class Index(Model):
    weights: dict[Signal, Annotated[StrictFloat, Field(ge=0)]] = {}

    @field_validator("weights")
    @classmethod
    def _some_weight(cls, v: dict[str, float]) -> dict[str, float]:
        if v and not any(w > 0 for w in v.values()):
            raise ValueError("хотя бы один признак должен иметь вес больше 0")
        return v


class Marker(Model):
    index_z: StrictFloat = 2.0
    evidence_z: StrictFloat = 2.0


Kinds = Annotated[list[Text], Field(min_length=1)]


class Expectation(Model):
    """School groups of the expected-result model (signal ``above_expectation``): names as
    in region.yml's ``school_kinds`` and ``localities``."""

    selective_kinds: list[Text] = list(DEFAULT_SELECTIVE_KINDS)
    basic_kinds: list[Text] = list(DEFAULT_BASIC_KINDS)
    village_localities: list[Text] = list(DEFAULT_VILLAGE_LOCALITIES)

    @field_validator("selective_kinds", "basic_kinds", "village_localities")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return unique(v, "значения")


class ObjectivityFile(Model):
    minimum: Minimum = Minimum()
    bunching: Bunching = Bunching()
    similarity: Similarity = Similarity()
    index: Index = Index()
    marker: Marker = Marker()
    expectation: Expectation = Expectation()
