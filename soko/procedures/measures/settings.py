"""``config/measures.yml``: the kinds of measure and how their effectiveness is measured.

Which kinds exist and which results each is meant to move is the region's choice, so it
lives in configuration (``MeasuresFile``, registered through ``Procedure.config_schemas``:
`soko check-config` reports a mistake in Russian with its key path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from soko.settings import load_checked

CONFIG_FILE = "measures.yml"
REGISTER_SUBJECT = "register"  # outcome.subjects: the subject named in the register's row


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class Outcome(_Strict):
    """The results a kind is meant to move: a procedure's subjects, or objectivity — or
    ``measured_by``: another procedure measures its effect on its own outcome (a staffing
    measure moves vacancies, not ВПР scores: ``soko.procedures.staffing``), so the register
    keeps such a kind and ``measure_effects`` has no row for it (no targets)."""

    procedure: Literal["vpr"] | None = None
    subjects: list[str] | Literal["register"] | None = None
    indicator: Literal["objectivity"] | None = None
    measured_by: Literal["staffing"] | None = None

    @model_validator(mode="after")
    def _one(self) -> Outcome:
        given = [self.procedure, self.indicator, self.measured_by]
        if sum(v is not None for v in given) != 1:
            raise PydanticCustomError(
                "measures_outcome_one",
                "укажите либо procedure и subjects (результаты процедуры), либо indicator "
                "(objectivity), либо measured_by (staffing: эффект оценивает мониторинг "
                "кадров), но только одно",
                {},
            )
        if self.procedure is not None and not self.subjects:
            raise PydanticCustomError(
                "measures_outcome_subjects",
                "для процедуры нужен список предметов subjects (или subjects: register — "
                "предмет из строки реестра)",
                {},
            )
        return self

    @property
    def by_register(self) -> bool:
        return self.subjects == REGISTER_SUBJECT


class Kind(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    level: Literal["school", "municipality"]
    outcome: Outcome


class Matching(_Strict):
    variables: list[Literal["prior_result", "context", "size"]] = Field(
        default_factory=lambda: ["prior_result", "context", "size"]
    )
    exact: list[Literal["school_kind", "municipality"]] = Field(default_factory=list)
    neighbours: int = Field(3, ge=1, le=20)


class Effectiveness(_Strict):
    grades: list[int] | None = None
    min_grade_participants: int = Field(5, ge=1)
    pre_years: int = Field(1, ge=1, le=5)
    post_years: int = Field(2, ge=1, le=10)
    matching: Matching = Field(default_factory=Matching)
    interval_level: float = Field(0.95, gt=0.5, lt=1.0)
    min_treated: int = Field(3, ge=2)


class MeasuresBlock(_Strict):
    kinds: list[Kind] = Field(min_length=1)
    effectiveness: Effectiveness = Field(default_factory=Effectiveness)

    @model_validator(mode="after")
    def _unique(self) -> MeasuresBlock:
        for attr, what in (("code", "код"), ("name", "название")):
            values = [getattr(k, attr) for k in self.kinds]
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise PydanticCustomError(
                    "measures_kind_repeated",
                    "{what} вида меры повторяется: {values}",
                    {"what": what, "values": ", ".join(repeated)},
                )
        return self

    def kind(self, code: str) -> Kind:
        return next(k for k in self.kinds if k.code == code)

    def by_name(self) -> dict[str, str]:
        """Russian name (the register's cell) → code."""
        return {k.name: k.code for k in self.kinds}


class MeasuresFile(_Strict):
    measures: MeasuresBlock


def measures_settings(directory: Path | None = None) -> MeasuresBlock:
    """The checked settings (a mistake raises ``ConfigError`` with Russian lines)."""
    return load_checked(CONFIG_FILE, MeasuresFile, directory).measures
