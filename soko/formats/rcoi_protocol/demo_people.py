"""Invented participants for the demo protocols: names and clearly fake document numbers.

Surnames are made from nature words of the invented region (Берестов, Камышина …), first
names and patronymics are common ones drawn at random, and every document number has the
series «00yy», which no real passport has (no region has code 00). Numbers are built from
the school's and the participant's position, so no two demo participants share one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SURNAME_STEMS: tuple[str, ...] = (
    "Берестов",
    "Ольхин",
    "Камышов",
    "Рябинин",
    "Клюквин",
    "Брусникин",
    "Черемшанов",
    "Осокин",
    "Вересков",
    "Сосновцев",
    "Кедрин",
    "Ясенев",
    "Журавлёв",
    "Синицын",
    "Снегирёв",
    "Ручейников",
    "Заводин",
    "Плёсов",
    "Туманов",
    "Росинкин",
    "Морошкин",
    "Багульников",
    "Окунев",
    "Налимов",
    "Ельников",
    "Мохов",
    "Тростников",
    "Лозняков",
    "Ивняков",
    "Озерцов",
    "Луговцов",
    "Полянкин",
    "Родников",
    "Ключарёв",
    "Бережков",
    "Омутов",
    "Камешков",
    "Медуницын",
    "Иволгин",
    "Зарецкий",
    "Подлесный",
    "Приозёрский",
)
MALE_NAMES: tuple[str, ...] = (
    "Александр",
    "Алексей",
    "Андрей",
    "Артём",
    "Глеб",
    "Даниил",
    "Дмитрий",
    "Егор",
    "Иван",
    "Илья",
    "Кирилл",
    "Максим",
    "Матвей",
    "Михаил",
    "Никита",
    "Роман",
    "Сергей",
    "Тимофей",
    "Фёдор",
    "Ярослав",
)
FEMALE_NAMES: tuple[str, ...] = (
    "Алина",
    "Алёна",
    "Анастасия",
    "Анна",
    "Арина",
    "Варвара",
    "Василиса",
    "Вероника",
    "Виктория",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елизавета",
    "Ксения",
    "Мария",
    "Милана",
    "Полина",
    "София",
    "Таисия",
    "Ульяна",
)
# Father's name -> (patronymic of a son, of a daughter).
PATRONYMICS: tuple[tuple[str, str], ...] = (
    ("Александрович", "Александровна"),
    ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"),
    ("Денисович", "Денисовна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"),
    ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"),
    ("Сергеевич", "Сергеевна"),
    ("Юрьевич", "Юрьевна"),
)


def feminine(surname: str) -> str:
    """Берестов → Берестова, Зарецкий → Зарецкая, Подлесный → Подлесная."""
    if surname.endswith("ский") or surname.endswith("цкий"):
        return surname[:-2] + "ая"
    if surname.endswith("ный"):
        return surname[:-2] + "ая"
    return surname + "а"


@dataclass(frozen=True)
class People:
    surname: np.ndarray  # object (str)
    first_name: np.ndarray
    patronymic: np.ndarray
    document: np.ndarray

    def __len__(self) -> int:
        return len(self.surname)


def invent_people(rng: np.random.Generator, n: int, school_index: int, cohort: int) -> People:
    """``n`` invented participants of one school's cohort (the year they finish grade 9)."""
    female = rng.random(n) < 0.5
    stems = rng.integers(len(SURNAME_STEMS), size=n)
    male_first = rng.integers(len(MALE_NAMES), size=n)
    female_first = rng.integers(len(FEMALE_NAMES), size=n)
    father = rng.integers(len(PATRONYMICS), size=n)
    no_patronymic = rng.random(n) < 0.01  # a few participants have none
    surname, first, patronymic = [], [], []
    for i in range(n):
        stem = SURNAME_STEMS[stems[i]]
        surname.append(feminine(stem) if female[i] else stem)
        first.append(FEMALE_NAMES[female_first[i]] if female[i] else MALE_NAMES[male_first[i]])
        patronymic.append("" if no_patronymic[i] else PATRONYMICS[father[i]][int(female[i])])
    series = f"00{cohort % 100:02d}"
    document = [f"{series} {school_index % 1000:03d}{i % 1000:03d}" for i in range(n)]
    return People(
        surname=np.array(surname, dtype=object),
        first_name=np.array(first, dtype=object),
        patronymic=np.array(patronymic, dtype=object),
        document=np.array(document, dtype=object),
    )
