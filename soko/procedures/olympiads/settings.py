"""``config/olympiads.yml``: the stages, statuses and subjects of ВсОШ, the grade bands of the
participation rates, the window for schools without awards, the weak-subject rule.

Stages, subjects and grades follow the federal rules of the olympiad (Минпросвещения order
№ 678 of 27.11.2020) but change with them (astronomy, ОБЖ → ОБЗР), so they live in
configuration; the bands, window and thresholds are the region's choice. Checked by
``OlympiadsFile`` (`soko check-config`), every message in Russian with its key path.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from soko.settings import load_checked

CONFIG_FILE = "olympiads.yml"
STAGE_ORDER = ("school", "municipal", "regional", "final")  # the codes the tables name
STATUS_CODES = ("participant", "prize_winner", "winner")
BAND_START = 7  # the mechanisms' indicator counts grades 7–11: a band must start there


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def _stage_code(value: str) -> str:
    if value not in STAGE_ORDER:
        raise PydanticCustomError(
            "olympiad_stage_code",
            "код этапа должен быть одним из: {codes}",
            {"codes": ", ".join(STAGE_ORDER)},
        )
    return value


class Stage(_Strict):
    code: str
    name: str = Field(min_length=1)
    grades: tuple[int, int]

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        return _stage_code(value)

    @field_validator("grades")
    @classmethod
    def _grades(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if not (1 <= low <= high <= 11):
            raise PydanticCustomError(
                "olympiad_stage_grades",
                "классы этапа — [с, по], 1 ≤ с ≤ по ≤ 11",
                {},
            )
        return value


class Status(_Strict):
    code: str
    name: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in STATUS_CODES:
            raise PydanticCustomError(
                "olympiad_status_code",
                "код статуса должен быть одним из: {codes}",
                {"codes": ", ".join(STATUS_CODES)},
            )
        return value


class Subject(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    from_grade: int = Field(5, ge=1, le=11)


class ParticipantCode(_Strict):
    pattern: str = Field(min_length=1)
    hint: str = ""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise PydanticCustomError(
                "olympiad_pattern",
                "регулярное выражение не разбирается: {error}",
                {"error": str(exc)},
            ) from None
        return value


class NoAwards(_Strict):
    window_years: int = Field(3, ge=1, le=10)
    from_stage: str = "municipal"

    @field_validator("from_stage")
    @classmethod
    def _known(cls, value: str) -> str:
        return _stage_code(value)


class WeakSubjects(_Strict):
    stage: str = "regional"
    interval_level: float = Field(0.95, gt=0.5, lt=1.0)

    @field_validator("stage")
    @classmethod
    def _known(cls, value: str) -> str:
        return _stage_code(value)


class OlympiadsBlock(_Strict):
    stages: list[Stage] = Field(min_length=1)
    statuses: list[Status] = Field(min_length=1)
    subjects: list[Subject] = Field(min_length=1)
    participant_code: ParticipantCode
    grade_bands: list[tuple[int, int]] = Field(min_length=1)
    no_awards: NoAwards = Field(default_factory=NoAwards)
    weak_subjects: WeakSubjects = Field(default_factory=WeakSubjects)
    min_participants: int = Field(5, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> OlympiadsBlock:
        for what, items in (
            ("этапа", self.stages),
            ("статуса", self.statuses),
            ("предмета", self.subjects),
        ):
            for attr, label in (("code", "код"), ("name", "название")):
                values = [getattr(i, attr).casefold() for i in items]
                repeated = sorted({v for v in values if values.count(v) > 1})
                if repeated:
                    raise PydanticCustomError(
                        "olympiad_repeated",
                        "{label} {what} повторяется: {values}",
                        {"label": label, "what": what, "values": ", ".join(repeated)},
                    )
        order = [s.code for s in self.stages]
        if order != [c for c in STAGE_ORDER if c in order]:
            raise PydanticCustomError(
                "olympiad_stage_order",
                "этапы перечисляются по порядку: школьный, муниципальный, региональный, "
                "заключительный",
                {},
            )
        if {s.code for s in self.statuses} != set(STATUS_CODES):
            raise PydanticCustomError(
                "olympiad_statuses",
                "нужны все три статуса: {codes}",
                {"codes": ", ".join(STATUS_CODES)},
            )
        bands = self.grade_bands
        for i, (low, high) in enumerate(bands):
            if not (1 <= low <= high <= 11):
                raise PydanticCustomError(
                    "olympiad_band", "диапазон классов [с, по]: 1 ≤ с ≤ по ≤ 11", {}
                )
            if i and low != bands[i - 1][1] + 1:
                raise PydanticCustomError(
                    "olympiad_bands_contiguous",
                    "диапазоны классов должны идти подряд без пропусков и пересечений: "
                    "после {prev} ожидался диапазон с {next} класса",
                    {"prev": f"{bands[i - 1][0]}–{bands[i - 1][1]}", "next": bands[i - 1][1] + 1},
                )
        if BAND_START not in [b[0] for b in bands] or bands[-1][1] != 11:
            raise PydanticCustomError(
                "olympiad_band_7",
                "один из диапазонов классов должен начинаться с 7 класса, последний — "
                "заканчиваться 11 классом (показатель направления 1.3 — по 7–11 классам)",
                {},
            )
        for key, stage in (
            ("no_awards", self.no_awards.from_stage),
            ("weak_subjects", self.weak_subjects.stage),
        ):
            if stage not in order:
                raise PydanticCustomError(
                    "olympiad_stage_missing",
                    "{key}: этапа {stage} нет в списке stages",
                    {"key": key, "stage": stage},
                )
        return self

    # --- lookups ------------------------------------------------------------------------

    def stage(self, code: str) -> Stage:
        return next(s for s in self.stages if s.code == code)

    def stage_names(self) -> dict[str, str]:
        return {s.code: s.name for s in self.stages}

    def status_names(self) -> dict[str, str]:
        return {s.code: s.name for s in self.statuses}

    def subject_names(self) -> dict[str, str]:
        return {s.code: s.name for s in self.subjects}

    def band_label(self, band: tuple[int, int]) -> str:
        low, high = band
        return f"{low}" if low == high else f"{low}–{high}"

    def band_of(self, grade: int) -> str | None:
        for band in self.grade_bands:
            if band[0] <= grade <= band[1]:
                return self.band_label(band)
        return None

    def stages_from(self, code: str) -> list[str]:
        order = [s.code for s in self.stages]
        return order[order.index(code) :]


class OlympiadsFile(_Strict):
    olympiads: OlympiadsBlock


def olympiad_settings(directory: Path | None = None) -> OlympiadsBlock:
    """The checked settings (a mistake raises ``ConfigError`` with Russian lines)."""
    return load_checked(CONFIG_FILE, OlympiadsFile, directory).olympiads
