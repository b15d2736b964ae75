"""``config/surveys.yml`` as typed settings: questionnaires, items, reversed items, indices.

Which items form which index lives in configuration, not code, so a region can change its
questionnaire by editing YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from soko.config import load_yaml
from soko.paths import config_dir


@dataclass(frozen=True)
class SurveyIndex:
    code: str  # satisfaction
    name: str  # «Удовлетворённость школой»
    items: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    code: str  # students, parents
    name: str  # «Анкета обучающихся»
    respondent: str  # «Обучающийся»: the «Респондент» column
    contingent: str  # «Обучающиеся»: the «Анкета» column of the contingent file
    grades: tuple[int, ...]
    items: dict[str, str]  # item code (file header) -> wording
    reversed: frozenset[str]
    indices: dict[str, SurveyIndex]


@dataclass(frozen=True)
class SurveySettings:
    scale_min: int
    scale_max: int
    agree_from: int
    scale_labels: dict[int, str]
    min_answered_share: float
    high_from: float
    questionnaires: dict[str, Questionnaire]

    @property
    def answers(self) -> list[str]:
        """Allowed answer texts: «1» … «5»."""
        return [str(v) for v in range(self.scale_min, self.scale_max + 1)]

    def by_contingent_name(self) -> dict[str, str]:
        return {q.contingent: code for code, q in self.questionnaires.items()}

    def item_text(self, questionnaire: str, item: str) -> str:
        return self.questionnaires[questionnaire].items.get(item, item)


@lru_cache(maxsize=4)
def _settings(directory: Path) -> SurveySettings:
    raw = load_yaml("surveys.yml", directory)
    questionnaires = {}
    for code, q in raw["questionnaires"].items():
        items = {str(k): str(v) for k, v in q["items"].items()}
        reversed_items = frozenset(str(i) for i in q.get("reversed", []))
        indices = {
            ic: SurveyIndex(ic, str(ix["name"]), tuple(str(i) for i in ix["items"]))
            for ic, ix in q["indices"].items()
        }
        unknown = [i for ix in indices.values() for i in ix.items if i not in items]
        unknown += [i for i in reversed_items if i not in items]
        if unknown:
            raise ValueError(f"surveys.yml: {code}: unknown items {sorted(set(unknown))}")
        questionnaires[code] = Questionnaire(
            code=code,
            name=str(q["name"]),
            respondent=str(q["respondent"]),
            contingent=str(q["contingent"]),
            grades=tuple(int(g) for g in q["grades"]),
            items=items,
            reversed=reversed_items,
            indices=indices,
        )
    scale = raw["scale"]
    return SurveySettings(
        scale_min=int(scale["min"]),
        scale_max=int(scale["max"]),
        agree_from=int(scale["agree_from"]),
        scale_labels={int(k): str(v) for k, v in raw["scale_labels"].items()},
        min_answered_share=float(raw["min_answered_share"]),
        high_from=float(raw["high_from"]),
        questionnaires=questionnaires,
    )


def survey_settings(directory: Path | None = None) -> SurveySettings:
    return _settings((directory or config_dir()).resolve())
