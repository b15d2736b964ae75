"""``config/staffing.yml``: the staffing form's lists, the projection's retirement rates, the
critical-shortage rule and which kinds of the register of measures are staffing measures.

All of it is the region's choice, so it lives in configuration (``StaffingFile``, registered
through ``Procedure.config_schemas``: `soko check-config` names a mistake in Russian with its
key path).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from soko.settings import load_checked

CONFIG_FILE = "staffing.yml"
CODE = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class AgeBand(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1)
    retirement_rate: float = Field(ge=0.0, le=1.0)
    retirement_age: bool = False


class Critical(_Strict):
    vacancy_rate: float = Field(gt=0, le=100)
    hours_uncovered: float = Field(gt=0)


class Effects(_Strict):
    interval_level: float = Field(0.95, gt=0.5, lt=1.0)
    min_treated: int = Field(3, ge=2)


def _unique_names(values: dict[str, str], what: str) -> None:
    names = [v.casefold() for v in values.values()]
    repeated = sorted({v for v in names if names.count(v) > 1})
    if repeated:
        raise PydanticCustomError(
            "staffing_name_repeated",
            "{what}: название повторяется ({values}) — в списке бланка их не различить",
            {"what": what, "values": ", ".join(repeated)},
        )


class StaffingBlock(_Strict):
    subjects: dict[str, str] = Field(min_length=1)
    levels: dict[str, str] = Field(min_length=1)
    age_bands: list[AgeBand] = Field(min_length=1)
    categories: dict[str, str] = Field(min_length=1)
    leave_reasons: dict[str, str] = Field(min_length=1)
    critical: Critical
    horizons: list[int] = Field(default_factory=lambda: [1, 3, 5], min_length=1)
    effects: Effects = Field(default_factory=Effects)
    min_teachers: int = Field(5, ge=1)

    @model_validator(mode="after")
    def _check(self) -> StaffingBlock:
        for what, values in (
            ("subjects", self.subjects),
            ("levels", self.levels),
            ("categories", self.categories),
            ("leave_reasons", self.leave_reasons),
            ("age_bands", {b.code: b.name for b in self.age_bands}),
        ):
            _unique_names(values, what)
        codes = [b.code for b in self.age_bands]
        if len(set(codes)) != len(codes):
            raise PydanticCustomError(
                "staffing_band_repeated", "age_bands: код возрастной группы повторяется", {}
            )
        if not any(b.retirement_age for b in self.age_bands):
            raise PydanticCustomError(
                "staffing_no_retirement_band",
                "age_bands: отметьте хотя бы одну группу пенсионного возраста "
                "(retirement_age: true)",
                {},
            )
        if any(h < 1 or h > 30 for h in self.horizons) or sorted(set(self.horizons)) != list(
            self.horizons
        ):
            raise PydanticCustomError(
                "staffing_horizons",
                "horizons: горизонты прогноза — возрастающие целые числа лет от 1 до 30",
                {},
            )
        return self

    def band(self, code: str) -> AgeBand:
        return next(b for b in self.age_bands if b.code == code)

    @property
    def retirement_bands(self) -> list[str]:
        return [b.code for b in self.age_bands if b.retirement_age]


class StaffingFile(_Strict):
    staffing: StaffingBlock


def staffing_settings(directory: Path | None = None) -> StaffingBlock:
    """The checked settings (a mistake raises ``ConfigError`` with Russian lines)."""
    return load_checked(CONFIG_FILE, StaffingFile, directory).staffing
