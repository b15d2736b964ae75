"""``config/mechanisms.yml`` as a checked model: directions, indicators, scoring, the cycle.

The federal point scales of the monitoring of management mechanisms (Rosobrnadzor letter
08-70 of 20.04.2021, appendices 1–2) are not public, so every indicator, its source and its
scoring rule is the region's own choice, written in configuration and shown on the pages as
the rule in force. The shipped file is a documented default, not a federal scale.

An indicator's ``source`` is either ``form`` (a municipality reports it on the form soko
generates) or the name of an indicator soko computes from data it already has
(:data:`COMPUTED_SOURCES`): a region does not type in again what its own data says.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from string import Formatter
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from soko.paths import config_dir
from soko.settings.common import Model, Text
from soko.settings.loading import load_checked_path

CONFIG_FILE = "mechanisms.yml"

# The nine stages of the management cycle, in order (domain.md §7). Their codes are fixed:
# the form, the completeness rule («where the cycle breaks») and the recommendations use them.
STAGES: tuple[str, ...] = (
    "goals",
    "indicators",
    "methods",
    "monitoring",
    "analysis",
    "recommendations",
    "measures",
    "decisions",
    "effectiveness",
)

# What soko computes itself, per municipality and year (and for the region), from the
# derived tables of the procedures and evaluation models. Name -> Russian description.
COMPUTED_SOURCES: dict[str, str] = {
    "vpr_fail_share": "доля отметок «2» по ВПР (все работы года), %",
    "vpr_high_share": "доля отметок «4» и «5» по ВПР, %",
    "vpr_fail_change": "изменение доли отметок «2» по ВПР к прошлому году, п. п.",
    "oge_fail_share": "доля отметок «2» по ОГЭ, %",
    "oge_high_share": "доля отметок «4» и «5» по ОГЭ, %",
    "ege_high_share": "доля результатов ЕГЭ от 81 балла, %",
    "ege_low_share": "доля результатов ЕГЭ ниже минимального балла, %",
    "objectivity_marked_share": "доля школ с признаками необъективности результатов ВПР, %",
    "objectivity_marked_change": "изменение доли школ с признаками необъективности, п. п.",
    "shnor_share": "доля школ с низкими образовательными результатами (ШНОР), %",
    "shnor_left_share": "доля ШНОР прошлого года, вышедших из списка, %",
    "shnsu_share": "доля школ, функционирующих в неблагоприятных социальных условиях, %",
    "resilient_share": "доля резильентных школ среди ШНСУ, %",
    "va_above_share": "доля школ с добавленной ценностью выше ожидаемой, %",
    "va_below_share": "доля школ с добавленной ценностью ниже ожидаемой, %",
    "pisa_mean": "средний балл исследования по модели PISA (все области)",
    "pisa_low_share": "доля участников исследования по модели PISA ниже 2-го уровня, %",
    "survey_satisfaction": "индекс удовлетворённости школой (анкета родителей), 1–5",
    "survey_engagement": "индекс вовлечённости в учёбу (анкета обучающихся), 1–5",
    # the other monitoring (issue 13): staffing, competences, olympiads
    "olympiad_municipal_share": (
        "доля обучающихся 7–11 классов — участников муниципального этапа ВсОШ, %"
    ),
    "olympiad_regional_per1000": (
        "победителей и призёров регионального этапа ВсОШ на 1000 обучающихся"
    ),
    "heads_diagnosed_share": (
        "доля руководителей школ, прошедших диагностику управленческих компетенций, %"
    ),
    "teachers_diagnosed_share": (
        "доля учителей, прошедших диагностику профессиональных дефицитов, %"
    ),
    "teachers_trained_share": (
        "доля учителей с выявленными дефицитами, прошедших обучение по адресным программам, %"
    ),
    "young_mentored_share": "доля молодых специалистов, за которыми закреплены наставники, %",
    "vacancy_rate": "доля вакантных ставок педагогов, %",
}


class Level(Model):
    """A named band of a direction's score (share of its maximum): «высокий» from 0.75."""

    name: Text
    from_share: float = Field(ge=0, le=1, alias="from")


class Scoring(Model):
    """How a value becomes points: thresholds → points, or a share scaled to points.

    ``thresholds: [5, 10, 15], points: [3, 2, 1, 0]``: below 5 → 3 points, from 5 to below 10
    → 2, from 10 to below 15 → 1, from 15 → 0 (``points`` has one entry more than
    ``thresholds``; points may rise or fall, so «lower is better» needs no flag).
    ``scale: {worst: 20, best: 0}, max_points: 3``: 3 points at 0 or better, 0 at 20 or worse,
    linear between.
    """

    thresholds: list[float] | None = None
    points: list[float] | None = None
    scale: dict[Literal["worst", "best"], float] | None = None
    max_points: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_rule(self) -> Scoring:
        by_thresholds = self.thresholds is not None or self.points is not None
        by_scale = self.scale is not None
        if by_thresholds == by_scale:
            raise PydanticCustomError(
                "mechanisms_scoring_rule",
                "укажите одно правило начисления баллов: thresholds и points "
                "либо scale и max_points",
                {},
            )
        if by_thresholds:
            thresholds, points = self.thresholds or [], self.points or []
            if any(b <= a for a, b in pairwise(thresholds)):
                raise PydanticCustomError(
                    "mechanisms_thresholds_order",
                    "пороги thresholds должны возрастать: указано {values}",
                    {"values": thresholds},
                )
            if len(points) != len(thresholds) + 1:
                raise PydanticCustomError(
                    "mechanisms_points_count",
                    "в points должно быть на одно значение больше, чем в thresholds "
                    "({n} порогов — {m} значений баллов, указано {k})",
                    {"n": len(thresholds), "m": len(thresholds) + 1, "k": len(points)},
                )
            if any(p < 0 for p in points):
                raise PydanticCustomError(
                    "mechanisms_points_negative", "баллы не могут быть отрицательными", {}
                )
        else:
            if self.max_points is None:
                raise PydanticCustomError(
                    "mechanisms_scale_max", "для правила scale укажите max_points", {}
                )
            scale = self.scale or {}
            if set(scale) != {"worst", "best"} or scale["worst"] == scale["best"]:
                raise PydanticCustomError(
                    "mechanisms_scale_ends",
                    "в scale укажите разные значения worst (0 баллов) и best (max_points)",
                    {},
                )
        return self

    @property
    def maximum(self) -> float:
        if self.points is not None:
            return float(max(self.points))
        return float(self.max_points or 0)

    def score(self, value: float) -> float:
        """Points for ``value`` (the caller leaves a missing value unscored, not zero)."""
        if self.points is not None:
            thresholds = self.thresholds or []
            band = sum(value >= t for t in thresholds)
            return float(self.points[band])
        scale = self.scale or {}
        worst, best = scale["worst"], scale["best"]
        share = (value - worst) / (best - worst)
        return float(min(max(share, 0.0), 1.0) * (self.max_points or 0))


class Indicator(Model):
    """One indicator of a direction: its name, unit, where its value comes from, its scoring."""

    name: Text
    unit: Text = "%"
    source: Text  # "form" or a name in COMPUTED_SOURCES
    # what the form accepts (source: form): a share 0–100, a count, a number, or да/нет
    kind: Literal["share", "count", "number", "yesno"] = "share"
    minimum: float | None = None
    maximum: float | None = None
    hint: str = ""  # a line for the form's input message
    scoring: Scoring

    @model_validator(mode="after")
    def _known_source(self) -> Indicator:
        if self.source != "form" and self.source not in COMPUTED_SOURCES:
            raise PydanticCustomError(
                "mechanisms_source",
                "неизвестный источник показателя {source!r}: укажите form (форма "
                "муниципалитета) или один из рассчитываемых soko: {known}",
                {"source": self.source, "known": ", ".join(COMPUTED_SOURCES)},
            )
        return self

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The range a form accepts: given, or implied by the kind (a share is 0–100)."""
        low = (
            self.minimum
            if self.minimum is not None
            else (0.0 if self.kind in ("share", "count", "yesno") else None)
        )
        high = (
            self.maximum
            if self.maximum is not None
            else (100.0 if self.kind == "share" else 1.0 if self.kind == "yesno" else None)
        )
        return low, high


class Direction(Model):
    name: Text
    short: Text  # a few words for charts and headers
    indicators: dict[str, Indicator] = Field(min_length=1)


class Weights(Model):
    """A direction's score = indicators' share of their maximum × ``indicators`` + the share of
    the cycle's stages with evidence × ``cycle`` (the two add up to 1)."""

    indicators: float = Field(ge=0, le=1)
    cycle: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum_one(self) -> Weights:
        if abs(self.indicators + self.cycle - 1) > 1e-9:
            raise PydanticCustomError(
                "mechanisms_weights_sum",
                "веса indicators и cycle должны в сумме давать 1 (указано {a} + {b})",
                {"a": self.indicators, "b": self.cycle},
            )
        return self


ADDRESSEES: tuple[str, ...] = (
    "департамент",
    "институт развития образования",
    "муниципальный орган управления образованием",
    "школа",
)

# What a recommendation's text may quote, by the kind of unit a rule is checked on. The
# values are Russian text with the figures already formatted (soko.procedures.mechanisms.
# recommendations); a template naming anything else is refused at the door.
BASE_FIELDS = ("year", "unit_name", "figures")
DIRECTION_FIELDS = (
    "direction", "direction_name", "score", "level", "rank", "n_units", "stages_done",
    "breaks_at", "missing", "quoted", "full_cycles",
)  # fmt: skip
INDICATOR_FIELDS = ("indicator", "value", "prev_value", "change")
TASK_FIELDS = ("tasks", "subjects")
SCHOOL_FIELDS = ("school_name", "school_code", "years_in_class", "reason")


class Condition(Model):
    """When a rule fires; every key given must hold (a small, checked language).

    Checked on each row of the scores (a unit × direction) unless ``task_deficits`` (the
    region's weakest ВПР tasks, once a year) or ``school_class`` (each school of the class)
    is given.
    """

    unit: Literal["municipality", "region"] = "municipality"
    direction: list[Text] | None = None  # directions it applies to (default: all)
    cycle_breaks_at: Text | None = None  # a stage code, or "any": the cycle is not full
    direction_rank_bottom: int | None = Field(default=None, ge=1)  # among the last N places
    level: Text | None = None  # the direction's level is this one («низкий»)
    indicator_rising: Text | None = None  # this indicator's value rose against last year
    indicator_above_region: Text | None = None  # the unit's value is above the region's
    quote: list[Text] = Field(default_factory=list)  # indicators quoted with the region's
    task_deficits: int | None = Field(default=None, ge=1, le=30)  # N weakest ВПР tasks
    school_class: Literal["shnor", "shnsu"] | None = None  # each such school of the year

    @field_validator("direction", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int | float) else value

    @property
    def scope(self) -> str:
        if self.task_deficits is not None:
            return "tasks"
        if self.school_class is not None:
            return "school"
        return "direction"

    def fields(self) -> tuple[str, ...]:
        """The template fields this condition gives values for."""
        if self.scope == "tasks":
            return (*BASE_FIELDS, *TASK_FIELDS)
        if self.scope == "school":
            return (*BASE_FIELDS, *SCHOOL_FIELDS)
        extra = INDICATOR_FIELDS if (self.indicator_rising or self.indicator_above_region) else ()
        return (*BASE_FIELDS, *DIRECTION_FIELDS, *extra)


class Rule(Model):
    """A targeted recommendation: to whom, when, and the Russian text quoting the figures."""

    code: Text
    addressee: Literal[ADDRESSEES]  # type: ignore[valid-type]
    when: Condition
    text: Text

    @model_validator(mode="after")
    def _fields_known(self) -> Rule:
        try:
            names = {f for _, f, _, _ in Formatter().parse(self.text) if f is not None}
        except ValueError as err:
            raise PydanticCustomError(
                "mechanisms_rule_text",
                "в тексте правила {code} ошибка в фигурных скобках: {err}",
                {"code": self.code, "err": str(err)},
            ) from None
        allowed = self.when.fields()
        unknown = sorted(names - set(allowed))
        if unknown:
            raise PydanticCustomError(
                "mechanisms_rule_fields",
                "в тексте правила {code} неизвестные поля {unknown}; для этого условия "
                "доступны: {allowed}",
                {"code": self.code, "unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )
        c = self.when
        if c.scope != "direction" and (
            c.cycle_breaks_at or c.direction_rank_bottom or c.level or c.indicator_rising
            or c.indicator_above_region or c.quote or c.direction
        ):  # fmt: skip
            raise PydanticCustomError(
                "mechanisms_rule_scope",
                "в правиле {code} условия task_deficits и school_class не сочетаются с "
                "условиями по направлениям",
                {"code": self.code},
            )
        return self


class MechanismsFile(Model):
    """The whole ``config/mechanisms.yml``."""

    stages: dict[str, Text]
    weights: Weights
    levels: list[Level] = Field(min_length=1)
    directions: dict[str, Direction] = Field(min_length=1)
    recommendations: list[Rule] = Field(default_factory=list)

    @field_validator("stages")
    @classmethod
    def _all_stages_in_order(cls, stages: dict[str, str]) -> dict[str, str]:
        if tuple(stages) != STAGES:
            raise PydanticCustomError(
                "mechanisms_stages",
                "этапы управленческого цикла должны быть перечислены все и по порядку: {stages}",
                {"stages": ", ".join(STAGES)},
            )
        return stages

    @model_validator(mode="after")
    def _levels_and_codes(self) -> MechanismsFile:
        starts = [lv.from_share for lv in self.levels]
        if starts[0] != 0 or any(b <= a for a, b in pairwise(starts)):
            raise PydanticCustomError(
                "mechanisms_levels",
                "уровни levels должны начинаться с from: 0 и возрастать: указано {values}",
                {"values": starts},
            )
        codes = [c for d in self.directions.values() for c in d.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise PydanticCustomError(
                "mechanisms_indicator_codes",
                "коды показателей должны быть уникальны во всём файле; повторяются: {codes}",
                {"codes": ", ".join(twice)},
            )
        self._check_rules(set(codes))
        return self

    def _check_rules(self, indicators: set[str]) -> None:
        levels = {lv.name for lv in self.levels}
        seen: set[str] = set()
        for rule in self.recommendations:
            c = rule.when
            problems = []
            if rule.code in seen:
                problems.append(f"код правила {rule.code} повторяется")
            seen.add(rule.code)
            if c.cycle_breaks_at and c.cycle_breaks_at not in (*STAGES, "any"):
                problems.append(
                    f"cycle_breaks_at: {c.cycle_breaks_at!r} — не этап цикла; этапы: "
                    + ", ".join(STAGES)
                    + " (или any)"
                )
            if c.level and c.level not in levels:
                problems.append(
                    f"level: {c.level!r} — нет такого уровня; есть: " + ", ".join(levels)
                )
            for d in c.direction or []:
                if d not in self.directions:
                    problems.append(f"direction: {d!r} — нет такого направления")
            for key, code in (
                ("indicator_rising", c.indicator_rising),
                ("indicator_above_region", c.indicator_above_region),
                *(("quote", q) for q in c.quote),
            ):
                if code and code not in indicators:
                    problems.append(f"{key}: {code!r} — нет такого показателя")
            if problems:
                raise PydanticCustomError(
                    "mechanisms_rule",
                    "правило рекомендации {code}: {problems}",
                    {"code": rule.code, "problems": "; ".join(problems)},
                )

    def level(self, share: float) -> str:
        """The named level of a direction's score (share of its maximum)."""
        name = self.levels[0].name
        for lv in self.levels:
            if share >= lv.from_share:
                name = lv.name
        return name

    def indicator(self, code: str) -> tuple[str, Indicator]:
        """(direction code, indicator) of an indicator code."""
        for d_code, direction in self.directions.items():
            if code in direction.indicators:
                return d_code, direction.indicators[code]
        raise KeyError(code)

    def form_indicators(self, direction: str) -> dict[str, Indicator]:
        return {
            c: i for c, i in self.directions[direction].indicators.items() if i.source == "form"
        }


@lru_cache(maxsize=8)
def _load(path: Path) -> MechanismsFile:
    return load_checked_path(path, MechanismsFile)


def mechanism_settings(directory: Path | None = None) -> MechanismsFile:
    """The checked ``config/mechanisms.yml`` (:class:`soko.settings.ConfigError` if not)."""
    return _load(((directory or config_dir()) / CONFIG_FILE).resolve())
