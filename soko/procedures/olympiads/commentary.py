"""Russian prose and the page tables of the olympiad pages, from the derived tables (tested,
so the templates stay thin).

What is shown about few pupils (docs/olympiads.md): a rate (participants per 100 students,
a share of winners among participants) over fewer than ``min_group`` students or
participants is suppressed, since it tells who did not take part or did not win; counts of
winners and prize-winners are shown whatever their size — they are achievements the
olympiad's rules make public (the stages' results are published), and soko holds only codes,
never a name. Participant codes never reach a page.
"""

from __future__ import annotations

import pandas as pd

from soko.commentary import plural
from soko.procedures.olympiads.settings import OlympiadsBlock
from soko.procedures.olympiads.tables import all_band
from soko.suppression import format_count, format_number, format_percent

BAND_LABELS: dict[str, str] = {
    "stage_name": "Этап",
    "band": "Классы",
    "n": "Обучающихся",
    "participants": "Участников",
    "participants_per_100": "Участников на 100 обучающихся",
    "participations": "Участий",
    "participations_per_100": "Участий на 100 обучающихся",
    "winners": "Победителей",
    "prize_winners": "Призёров",
}
UNIT_LABELS: dict[str, str] = {
    "unit_name": "Территория / школа",
    "n": "Обучающихся 4–11 кл.",
    "per_100_school": "Школьный этап: участников на 100",
    "per_100_municipal": "Муниципальный этап: участников на 100",
    "per_100_regional": "Региональный этап: участников на 100",
    "awarded_municipal": "Победителей и призёров муниципального этапа",
    "awarded_regional": "Победителей и призёров регионального этапа",
    "awarded_final": "Победителей и призёров заключительного этапа",
}
SCHOOL_LABELS: dict[str, str] = {
    "municipality_name": "Муниципалитет",
    "school_name": "Школа",
    "n": "Обучающихся",
    "years_with_data": "Лет с данными",
    "participants_school": "Участников школьного этапа (за окно)",
    "participants_from_stage": "Участников с муниципального этапа (за окно)",
    "awarded_from_stage": "Победителей и призёров (за окно)",
}
SUBJECT_LABELS: dict[str, str] = {
    "subject_name": "Предмет",
    "n": "Участников",
    "awarded": "Победителей и призёров",
    "share_awarded": "Доля победителей и призёров",
    "share_ci_low": "95 % интервал: от",
    "share_ci_high": "до",
    "share_unit": "Доля по всем предметам",
    "verdict": "Вывод",
}
DYNAMICS_LABELS: dict[str, str] = {
    "year": "Год",
    "stage_name": "Этап",
    "n": "Обучающихся 4–11 кл.",
    "participants": "Участников",
    "participants_per_100": "Участников на 100 обучающихся",
    "winners": "Победителей",
    "prize_winners": "Призёров",
}
KEEP_COUNTS = ["winners", "prize_winners", "awarded", "awarded_municipal", "awarded_regional",
               "awarded_final", "awarded_from_stage"]  # fmt: skip
WEAK, NOT_WEAK, FEW = "слабее среднего", "не отличается от среднего или выше", "мало участников"


def suppression_note(min_n: int) -> str:
    """What the page hides and what it does not (docs/olympiads.md)."""
    return (
        f"Доли на 100 обучающихся и доли победителей по группе меньше {min_n} обучающихся "
        "(участников) не показываются. Число победителей и призёров показывается всегда: это "
        "достижения, итоги этапов олимпиады публикуются; коды участников не показываются нигде."
    )


def band_rows(participation: pd.DataFrame, year: int, level: str, unit_code: str) -> pd.DataFrame:
    """A unit's participation by stage and grade band in one year."""
    rows = participation[
        (participation["year"] == int(year))
        & (participation["level"] == level)
        & (participation["unit_code"] == unit_code)
    ]
    return rows[rows["participations"] > 0].reset_index(drop=True)


def _stage_value(rows: pd.DataFrame, stage: str, column: str) -> pd.Series:
    return rows[rows["stage"] == stage].set_index("unit_code")[column]


def unit_rows(
    participation: pd.DataFrame,
    year: int,
    level: str,
    s: OlympiadsBlock,
    municipality: str | None = None,
) -> pd.DataFrame:
    """One row per unit of ``level`` (municipalities; or a municipality's schools): all grade
    bands, participants per 100 by stage and awards by stage."""
    rows = participation[
        (participation["year"] == int(year))
        & (participation["level"] == level)
        & (participation["band"] == all_band(s))
    ]
    if municipality is not None:
        rows = rows[rows["municipality_code"] == municipality]
    base = rows[rows["stage"] == s.stages[0].code].set_index("unit_code")[["unit_name", "n"]]
    for stage in ("school", "municipal", "regional"):
        base[f"per_100_{stage}"] = _stage_value(rows, stage, "participants_per_100")
    for stage in ("municipal", "regional", "final"):
        won = _stage_value(rows, stage, "winners") + _stage_value(rows, stage, "prize_winners")
        base[f"awarded_{stage}"] = won.astype("Int64")
    return base.reset_index().sort_values("unit_code", kind="stable").reset_index(drop=True)


def dynamics_rows(
    participation: pd.DataFrame, level: str, unit_code: str, s: OlympiadsBlock
) -> pd.DataFrame:
    """Every year of one unit, all grade bands, each stage."""
    rows = participation[
        (participation["level"] == level)
        & (participation["unit_code"] == unit_code)
        & (participation["band"] == all_band(s))
    ]
    return rows.sort_values(["year"], kind="stable").reset_index(drop=True)


def summary(
    participation: pd.DataFrame,
    year: int,
    level: str,
    unit_code: str,
    where: str,
    s: OlympiadsBlock,
) -> str:
    """How many took part at each stage (all grade bands), per 100 students, how many won."""
    rows = participation[
        (participation["year"] == int(year))
        & (participation["level"] == level)
        & (participation["unit_code"] == unit_code)
        & (participation["band"] == all_band(s))
    ]
    if rows.empty:
        return f"Данных ВсОШ {where} за {year} год нет: форма олимпиады не заполнена."
    every = rows.set_index("stage").rename(
        columns={"participants_per_100": "per_100", "prize_winners": "prize"}
    )
    n = int(every["n"].iloc[0])
    parts = []
    for _, r in every.iterrows():
        if r["participants"] == 0:
            continue
        text = (
            f"этап «{r['stage_name']}» — {format_count(r['participants'])} "
            f"{plural(int(r['participants']), 'участник', 'участника', 'участников')}"
        )
        if n >= 5:
            text += f" ({format_number(r['per_100'])} на 100 обучающихся)"
        text += f", победителей {format_count(r['winners'])}, призёров {format_count(r['prize'])}"
        parts.append(text)
    return (
        f"В {year} году {where} обучающихся 4–11 классов {format_count(n)}; "
        + "; ".join(parts)
        + ". Участник считается один раз на этапе, сколько бы предметов он ни выбрал."
    )


def school_rows(schools: pd.DataFrame, year: int, municipality: str | None = None) -> pd.DataFrame:
    rows = schools[schools["year"] == int(year)]
    if municipality is not None:
        rows = rows[rows["municipality_code"] == municipality]
    return rows.reset_index(drop=True)


def no_awards_summary(
    schools: pd.DataFrame, year: int, s: OlympiadsBlock, where: str = "в регионе"
) -> str:
    rows = schools[schools["year"] == int(year)]
    if rows.empty:
        return f"Данных о школах {where} за {year} год нет."
    none = rows[rows["no_awards"].astype(bool)]
    first, last = int(rows["window_from"].iloc[0]), int(rows["window_to"].iloc[0])
    span = f"{first}–{last} годы" if first != last else f"{last} год"
    stage = s.stage(s.no_awards.from_stage).name
    n, total = len(none), len(rows)
    text = (
        f"За {span} {where} {n} {plural(n, 'школа', 'школы', 'школ')} из {total} не "
        f"{plural(n, 'имела', 'имели', 'имели')} ни одного победителя или призёра, начиная с "
        f"этапа «{stage}»"
    )
    never = int((none["participants_from_stage"] == 0).sum())
    if n:
        text += f"; у {never} из них ни один обучающийся не прошёл дальше школьного этапа"
    if last - first + 1 < s.no_awards.window_years:
        text += (
            f" (окно — {s.no_awards.window_years} "
            f"{plural(s.no_awards.window_years, 'год', 'года', 'лет')}, данных пока меньше)"
        )
    return text + "."


def subject_rows(
    subjects: pd.DataFrame, year: int, level: str, unit_code: str, min_n: int
) -> pd.DataFrame:
    """One unit's subjects at the weak-subject stage, weakest first, for display."""
    rows = subjects[
        (subjects["year"] == int(year))
        & (subjects["level"] == level)
        & (subjects["unit_code"] == unit_code)
    ].copy()
    rows["share_ci_low"] = rows["ci_low"]
    rows["share_ci_high"] = rows["ci_high"]
    rows["share_unit"] = rows["unit_share"]
    rows["verdict"] = [
        FEW if n < min_n else (WEAK if w else NOT_WEAK)
        for n, w in zip(rows["n"], rows["weak"], strict=True)
    ]
    # the compared subjects first, weakest on top; then those with too few participants
    rows["_few"] = rows["n"] < min_n
    order = rows.sort_values(["_few", "share_awarded", "subject"], kind="stable")
    return order.drop(columns="_few").reset_index(drop=True)


def weak_summary(rows: pd.DataFrame, s: OlympiadsBlock, min_n: int, where: str) -> str:
    """The weak subjects of a unit, from :func:`subject_rows`."""
    stage = s.stage(s.weak_subjects.stage).name
    if rows.empty:
        return f"Участников этапа «{stage}» {where} нет: слабые предметы определить нельзя."
    share = format_percent(rows["share_unit"].iloc[0])
    weak = rows[(rows["verdict"] == WEAK)]
    head = (
        f"На этапе «{stage}» {where} победителями и призёрами стали {share} участий по всем "
        f"предметам. "
    )
    if weak.empty:
        return head + (
            "Ни один предмет не ниже этой доли настолько, чтобы это нельзя было объяснить "
            f"случайностью (верхняя граница {round(s.weak_subjects.interval_level * 100)} % "
            f"интервала выше средней). Предметы с числом участников меньше {min_n} не "
            "оцениваются."
        )
    listed = "; ".join(
        f"{r.subject_name} — {format_percent(r.share_awarded)} из {r.n} участников"
        for r in weak.itertuples(index=False)
    )
    return head + (
        f"Слабее среднего (верхняя граница интервала ниже средней доли): {listed}. "
        "Это повод проверить подготовку к олимпиаде по этим предметам, а не оценка учителей."
    )
