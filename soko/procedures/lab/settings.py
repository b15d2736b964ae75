"""``config/lab.yml``: equipment kinds, the minimum use per term, terms, practical tasks.

What counts as under-use and which tasks need laboratory skills are the region's choice, so
they live in configuration (``LabFile``, registered through ``Procedure.config_schemas``:
`soko check-config` reports a mistake in Russian with its key path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from soko.forms.spec import MAX_SHEET_NAME
from soko.settings import load_checked

CONFIG_FILE = "lab.yml"
CODE = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


def _repeated(values: list[str]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


class Term(_Strict):
    code: str = Field(pattern=CODE, max_length=10)
    name: str = Field(min_length=1, max_length=40)


class EquipmentKind(_Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=MAX_SHEET_NAME)
    subjects: list[str] = Field(min_length=1)
    min_lessons: int = Field(ge=0, le=200)
    min_practical: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _sheet_name(self) -> EquipmentKind:
        bad = [c for c in "[]:*?/\\" if c in self.name]
        if bad:
            raise PydanticCustomError(
                "lab_kind_name",
                "название «{name}» — имя листа формы: в нём нельзя знаки {signs}",
                {"name": self.name, "signs": " ".join(bad)},
            )
        return self


class PracticalTasks(_Strict):
    """The practical-work tasks of one procedure and subject, by grade (task labels)."""

    procedure: Literal["vpr", "oge"]
    subject: str = Field(pattern=CODE)
    equipment: list[str] = Field(min_length=1)
    tasks: dict[int, list[str]] = Field(min_length=1)

    @model_validator(mode="after")
    def _tasks(self) -> PracticalTasks:
        for grade, labels in self.tasks.items():
            if not 1 <= grade <= 11:
                raise PydanticCustomError(
                    "lab_grade", "класс {grade} вне 1–11", {"grade": str(grade)}
                )
            if not labels or any(not str(t).strip() for t in labels):
                raise PydanticCustomError(
                    "lab_tasks_empty",
                    "для {grade} класса нужен непустой список меток заданий",
                    {"grade": str(grade)},
                )
            if _repeated([str(t) for t in labels]):
                raise PydanticCustomError(
                    "lab_tasks_repeated",
                    "задание повторяется в {grade} классе: {tasks}",
                    {"grade": str(grade), "tasks": ", ".join(_repeated(labels))},
                )
        return self


class Association(_Strict):
    min_schools: int = Field(5, ge=2)
    min_participants: int = Field(5, ge=1)
    interval_level: float = Field(0.95, gt=0.5, lt=1.0)


class LabBlock(_Strict):
    terms: list[Term] = Field(min_length=1, max_length=4)
    subjects: dict[str, str] = Field(min_length=1)
    kinds: list[EquipmentKind] = Field(min_length=1)
    practical_tasks: list[PracticalTasks] = Field(default_factory=list)
    association: Association = Field(default_factory=Association)

    @model_validator(mode="after")
    def _consistent(self) -> LabBlock:
        for what, values in (
            ("код периода", [t.code for t in self.terms]),
            ("код вида оборудования", [k.code for k in self.kinds]),
            ("название вида оборудования", [k.name.casefold() for k in self.kinds]),
        ):
            if _repeated(values):
                raise PydanticCustomError(
                    "lab_repeated",
                    "{what} повторяется: {values}",
                    {"what": what, "values": ", ".join(_repeated(values))},
                )
        codes = {k.code for k in self.kinds}
        for k in self.kinds:
            unknown = sorted(set(k.subjects) - set(self.subjects))
            if unknown:
                raise PydanticCustomError(
                    "lab_subject_unknown",
                    "вид «{kind}»: предметов {unknown} нет в lab → subjects",
                    {"kind": k.code, "unknown": ", ".join(unknown)},
                )
        seen: list[str] = []
        for p in self.practical_tasks:
            unknown = sorted(set(p.equipment) - codes)
            if unknown:
                raise PydanticCustomError(
                    "lab_equipment_unknown",
                    "практические задания {procedure} {subject}: видов оборудования {unknown} "
                    "нет в lab → kinds (есть: {known})",
                    {
                        "procedure": p.procedure,
                        "subject": p.subject,
                        "unknown": ", ".join(unknown),
                        "known": ", ".join(sorted(codes)),
                    },
                )
            if p.subject not in self.subjects:
                raise PydanticCustomError(
                    "lab_subject_unknown",
                    "практические задания {procedure}: предмета {subject} нет в lab → subjects",
                    {"procedure": p.procedure, "subject": p.subject},
                )
            seen.append(f"{p.procedure} {p.subject}")
        if _repeated(seen):
            raise PydanticCustomError(
                "lab_repeated",
                "практические задания одной процедуры и предмета заданы дважды: {values}",
                {"values": ", ".join(_repeated(seen))},
            )
        return self

    def kind(self, code: str) -> EquipmentKind:
        return next(k for k in self.kinds if k.code == code)

    def practical(self, procedure: str) -> list[PracticalTasks]:
        return [p for p in self.practical_tasks if p.procedure == procedure]


class LabFile(_Strict):
    lab: LabBlock


def lab_settings(directory: Path | None = None) -> LabBlock:
    """The checked settings (a mistake raises ``ConfigError`` with Russian lines)."""
    return load_checked(CONFIG_FILE, LabFile, directory).lab
