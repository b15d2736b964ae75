"""The model of ``config/gve_scales.yml`` (``Procedure.config_schemas``): extra keys are
forbidden, mark thresholds ascend strictly, the maximum is the task sum and reaches «5».

``GveScalesFile.model_validate(yaml.safe_load(...))`` raises ``pydantic.ValidationError``;
each error names its key path (``gve.scales.2026.9.ru``) and says what is wrong in Russian.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class GveScale(_Strict):
    """One exam of one year: task maxima, the maximum and the «3», «4», «5» thresholds."""

    max: int = Field(gt=0)
    short: list[int] = Field(default_factory=list)
    long: dict[str, int] = Field(default_factory=dict)
    marks: tuple[int, int, int]

    @model_validator(mode="after")
    def _consistent(self) -> GveScale:
        t3, t4, t5 = self.marks
        if not 0 < t3 < t4 < t5:
            raise PydanticCustomError(
                "gve_marks_order",
                "границы отметок «3», «4», «5» должны строго возрастать и быть больше 0: "
                "указано {marks}",
                {"marks": list(self.marks)},
            )
        if self.max < t5:
            raise PydanticCustomError(
                "gve_max_below_five",
                "максимальный балл {max} меньше границы отметки «5» ({t5})",
                {"max": self.max, "t5": t5},
            )
        tasks = sum(self.short) + sum(self.long.values())
        if any(m <= 0 for m in (*self.short, *self.long.values())):
            raise PydanticCustomError(
                "gve_task_max", "максимальный балл задания должен быть больше 0", {}
            )
        if tasks != self.max:
            raise PydanticCustomError(
                "gve_max_sum",
                "максимальный балл {max} не равен сумме максимумов заданий ({tasks})",
                {"max": self.max, "tasks": tasks},
            )
        return self


class GveSubject(_Strict):
    name: str = Field(min_length=1)
    rcoi: dict[int, int]  # grade -> РЦОИ subject code


class GveBlock(_Strict):
    subjects: dict[str, GveSubject]
    scales: dict[int, dict[int, dict[str, GveScale]]]  # year -> grade -> subject

    @model_validator(mode="after")
    def _known(self) -> GveBlock:
        codes = [c for s in self.subjects.values() for c in s.rcoi.values()]
        if len(set(codes)) != len(codes):
            raise PydanticCustomError(
                "gve_rcoi_repeated", "коды предметов РЦОИ повторяются: {codes}", {"codes": codes}
            )
        for year, grades in self.scales.items():
            for grade, subjects in grades.items():
                for subject in subjects:
                    if grade not in getattr(self.subjects.get(subject), "rcoi", {}):
                        raise PydanticCustomError(
                            "gve_subject_unknown",
                            "шкала {year}, {grade} класс, «{subject}»: предмета с кодом РЦОИ "
                            "для этого класса нет в subjects",
                            {"year": year, "grade": grade, "subject": subject},
                        )
        return self


class GveScalesFile(_Strict):
    gve: GveBlock
