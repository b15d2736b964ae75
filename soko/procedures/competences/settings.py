"""``config/competences.yml``: roles, diagnostic domains, deficit levels, subjects and the
training topic that addresses each deficit.

Which domains a diagnostic measures and where a deficit starts are the region's choice (its
assessment centre's instrument), not a federal norm, so they live in configuration
(``CompetencesFile``, registered through ``Procedure.config_schemas``: `soko check-config`
reports a mistake in Russian with its key path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from soko.settings import load_checked

CONFIG_FILE = "competences.yml"
TEACHER, HEAD = "teacher", "head"
_CODE = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def _unique(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise PydanticCustomError(
            "competences_repeated",
            "{what} повторяется: {values}",
            {"what": what, "values": ", ".join(repeated)},
        )


class Domain(_Strict):
    """One diagnosed domain: a person scoring below ``deficit_level`` (% of the maximum) has
    a deficit in it; ``programme`` is the training topic that addresses it."""

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    deficit_level: float = Field(gt=0, lt=100)
    programme: str = Field(min_length=1)


class Role(_Strict):
    code: Literal["teacher", "head"]
    name: str = Field(min_length=1)
    domains: list[Domain] = Field(min_length=1)

    @model_validator(mode="after")
    def _domains_unique(self) -> Role:
        _unique([d.code for d in self.domains], "код области")
        _unique([d.name for d in self.domains], "название области")
        return self


class Association(_Strict):
    subjects: list[str] = Field(min_length=1)
    grades: list[int] = Field(default_factory=lambda: [5, 6, 7, 8], min_length=1)
    min_grade_participants: int = Field(5, ge=1)
    min_schools: int = Field(8, ge=4)
    value_added_analysis: str = "vpr_school"
    interval_level: float = Field(0.95, gt=0.5, lt=1.0)


class CompetencesBlock(_Strict):
    scale_max: float = Field(100.0, gt=0)
    min_group: int = Field(5, ge=5)
    subjects: dict[str, str] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    programme_min_share: float = Field(0.2, ge=0, le=1)
    association: Association

    @model_validator(mode="after")
    def _consistent(self) -> CompetencesBlock:
        codes = [r.code for r in self.roles]
        _unique(codes, "роль")
        if TEACHER not in codes:
            raise PydanticCustomError(
                "competences_teacher", "нужна роль teacher (учитель) с её областями", {}
            )
        names = list(self.subjects.values())
        _unique(names, "название предмета")
        unknown = sorted(set(self.association.subjects) - set(self.subjects))
        if unknown:
            raise PydanticCustomError(
                "competences_association_subject",
                "в association.subjects предметы, которых нет в subjects: {values}",
                {"values": ", ".join(unknown)},
            )
        for code in self.subjects:
            if not (code.isascii() and code.isalnum() and code.islower()):
                raise PydanticCustomError(
                    "competences_subject_code",
                    "код предмета «{code}»: латиница в нижнем регистре и цифры",
                    {"code": code},
                )
        return self

    def role(self, code: str) -> Role | None:
        return next((r for r in self.roles if r.code == code), None)

    def domains(self) -> list[tuple[str, Domain]]:
        """(role code, domain) of every role, in the configured order."""
        return [(r.code, d) for r in self.roles for d in r.domains]

    def domain_codes(self) -> list[str]:
        """Every domain code of every role, each once (the form's score columns)."""
        seen: list[str] = []
        for _, d in self.domains():
            if d.code not in seen:
                seen.append(d.code)
        return seen


class CompetencesFile(_Strict):
    competences: CompetencesBlock


def competences_settings(directory: Path | None = None) -> CompetencesBlock:
    """The checked settings (a mistake raises ``ConfigError`` with Russian lines)."""
    return load_checked(CONFIG_FILE, CompetencesFile, directory).competences
