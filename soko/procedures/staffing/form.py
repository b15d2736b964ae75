"""The quarterly staffing form: its sheets, reading the filled copies, the contracts, the
canonical tables.

One form per municipality and quarter (``soko forms --year Y --quarter Q``; filled copies in
``data/raw/staffing/<year>/q<quarter>/``), three free-row sheets a school can fill from its
own staff list:

- «Ставки»: per school × subject × level — positions (ставки), filled, vacant, weekly hours
  not covered, teachers working over the load;
- «Педагоги»: per teacher under an anonymous code — school, main subject, age band,
  qualification category, young specialist, mentor assigned, expected to retire within a year;
- «Выбывшие»: who left this quarter (code, school, subject, reason).

No column names a person: a column a user adds with «ФИО» in its header rejects its sheet
(``FormSpec.personal``). :mod:`soko.forms` checks every cell against the rule the template
states (lists, numbers, the code's shape, required cells); the rows of every form are then
checked together against ``expectations/staffing_*.json`` for what one cell cannot tell (the
school is in the registry and in this municipality that year, filled + vacant = positions,
one row per key). Bad rows are rejected with a Russian message; the good rows flow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    QUARTER,
    QUARTERS,
    YEAR,
    Column,
    FormRead,
    FormSpec,
    SheetSpec,
    cell_texts,
    read_forms,
    validate_forms,
)
from soko.procedure import FormContext, FormTemplate, IngestResult
from soko.procedures.staffing.settings import StaffingBlock, staffing_settings
from soko.school_registry import by_year

KIND = "staffing"
FOLDER = "staffing"
FORM_CODE = "kadry"
FORM_TITLE = "Кадровое обеспечение: потребность в педагогах"
POSITIONS, TEACHERS, LEAVERS = "staffing_positions", "staffing_teachers", "staffing_leavers"
SHEETS = {POSITIONS: "Ставки", TEACHERS: "Педагоги", LEAVERS: "Выбывшие"}
SCHOOL_PATTERN = r"edu\d{4,10}"
PERSON_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{2,19}"
BALANCE_TOLERANCE = 0.01  # ставки: filled + vacant may differ from positions by rounding

KEYS: dict[str, tuple[str, ...]] = {
    POSITIONS: ("year", "quarter", "school_code", "subject", "level"),
    TEACHERS: ("year", "quarter", "person_code"),
    LEAVERS: ("year", "quarter", "person_code"),
}
_PLACE = {"source_file": "string", "source_row": "int64"}
_ID = {
    "year": "int64",
    "quarter": "int64",
    "municipality_code": "string",
    "school_code": "string",
}
SCHEMAS: dict[str, dict[str, str]] = {
    POSITIONS: {
        **_ID,
        "subject": "string",
        "level": "string",
        "positions": "float64",
        "filled": "float64",
        "vacant": "float64",
        "hours_uncovered": "float64",
        "overloaded": "int64",
        **_PLACE,
    },
    TEACHERS: {
        **_ID,
        "person_code": "string",
        "subject": "string",
        "age_band": "string",
        "category": "string",
        "young": "bool",
        "mentored": "bool",
        "retiring": "bool",
        **_PLACE,
    },
    LEAVERS: {
        **_ID,
        "person_code": "string",
        "subject": "string",
        "reason": "string",
        **_PLACE,
    },
}


def _school(hint: str = "Код школы из реестра ОО (edu и цифры).") -> Column:
    return Column(
        "school_code",
        "Код ОО",
        kind="code",
        required=True,
        pattern=SCHOOL_PATTERN,
        pattern_hint="edu и цифры",
        hint=hint,
    )


def _person() -> Column:
    return Column(
        "person_code",
        "Код педагога",
        kind="code",
        required=True,
        pattern=PERSON_PATTERN,
        pattern_hint="латиница, цифры, «-» или «_», 3–20 знаков; не ФИО",
        hint="Анонимный код педагога, постоянный из квартала в квартал (например, табельный "
        "номер). Не вносите ФИО: форма не должна позволять узнать человека.",
    )


def form_spec(ctx: FormContext) -> FormSpec:
    """The staffing form for a municipality and quarter: three free-row sheets."""
    s = staffing_settings(ctx.config_dir)
    subject = Column(
        "subject", "Предмет", kind="choice", required=True, choices=tuple(s.subjects.values())
    )
    positions = SheetSpec(
        code=POSITIONS,
        name=SHEETS[POSITIONS],
        heading="Ставки педагогов по предметам и уровням образования на конец квартала",
        columns=(
            _school(),
            subject,
            Column(
                "level", "Уровень", kind="choice", required=True, choices=tuple(s.levels.values())
            ),
            Column(
                "positions",
                "Ставок по штатному расписанию",
                kind="number",
                required=True,
                minimum=0,
                maximum=500,
            ),
            Column("filled", "Занято ставок", kind="number", required=True, minimum=0, maximum=500),
            Column(
                "vacant",
                "Вакантно ставок",
                kind="number",
                required=True,
                minimum=0,
                maximum=500,
                hint="Занято + вакантно = ставок по штатному расписанию.",
            ),
            Column(
                "hours_uncovered",
                "Часов в неделю не обеспечено",
                kind="number",
                required=True,
                minimum=0,
                maximum=2000,
                hint="Часы учебного плана, которые никто не ведёт (не заменены).",
            ),
            Column(
                "overloaded",
                "Педагогов с нагрузкой выше 1,5 ставки",
                kind="integer",
                required=True,
                minimum=0,
                maximum=500,
            ),
        ),
        input_rows=600,
    )
    teachers = SheetSpec(
        code=TEACHERS,
        name=SHEETS[TEACHERS],
        heading="Педагоги (по анонимному коду, без ФИО)",
        columns=(
            _school(),
            _person(),
            subject.with_rule(header="Основной предмет"),
            Column(
                "age_band",
                "Возрастная группа",
                kind="choice",
                required=True,
                choices=tuple(b.name for b in s.age_bands),
            ),
            Column(
                "category",
                "Квалификационная категория",
                kind="choice",
                required=True,
                choices=tuple(s.categories.values()),
            ),
            Column(
                "young",
                "Молодой специалист",
                kind="yesno",
                required=True,
                hint="Стаж до 3 лет после окончания образовательной организации.",
            ),
            Column(
                "mentored",
                "Закреплён наставник",
                kind="yesno",
                required_when=("young", "да"),
                hint="Для молодого специалиста обязательно.",
            ),
            Column(
                "retiring",
                "Планирует уход в течение года",
                kind="yesno",
                required=True,
                hint="По заявлению или по достижении пенсионного возраста.",
            ),
        ),
        input_rows=1500,
    )
    leavers = SheetSpec(
        code=LEAVERS,
        name=SHEETS[LEAVERS],
        heading="Педагоги, выбывшие за квартал",
        columns=(
            _school(),
            _person(),
            subject,
            Column(
                "reason",
                "Причина выбытия",
                kind="choice",
                required=True,
                choices=tuple(s.leave_reasons.values()),
            ),
        ),
        input_rows=200,
    )
    q = f", {ctx.quarter} квартал" if ctx.quarter else ""
    return FormSpec(
        code=FORM_CODE,
        title=f"{FORM_TITLE} ({ctx.year} год{q})",
        sheets=(positions, teachers, leavers),
        identity=(YEAR, QUARTER, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        personal=True,
        instructions=(
            "Форма заполняется муниципалитетом по всем школам ежеквартально, по состоянию на "
            "последний день квартала.",
            "«Ставки»: строка на каждую пару предмет × уровень образования в школе; занято + "
            "вакантно = ставок по штатному расписанию; «часов не обеспечено» — часы учебного "
            "плана в неделю, которые никто не ведёт.",
            "«Педагоги»: строка на каждого педагога под анонимным кодом, постоянным из "
            "квартала в квартал. ФИО, даты рождения и другие персональные данные НЕ вносятся.",
            "«Выбывшие»: педагоги, уволившиеся за квартал, с причиной.",
            "По форме soko считает долю вакантных ставок, непокрытые часы, долю педагогов "
            "пенсионного возраста, прогноз потребности на 1, 3 и 5 лет и результативность мер "
            "кадровой поддержки (docs/staffing.md).",
        ),
    )


FORM = FormTemplate(
    code=FORM_CODE,
    title=FORM_TITLE,
    scope="municipality",
    folder=FOLDER,
    spec=form_spec,
    quarterly=True,
)


# --- staging: codes and the contract's helper columns ----------------------------------------


def _coded(text: pd.Series, names: dict[str, str]) -> pd.Series:
    by_name = {v.casefold(): k for k, v in names.items()}
    return text.str.casefold().map(by_name).astype("string")


def staging(
    code: str,
    rows: pd.DataFrame,
    municipality_code: str,
    year: int,
    quarter: int,
    settings: StaffingBlock,
    lookup: Callable[[int], dict[str, str]],
) -> pd.DataFrame:
    """One sheet's accepted rows with codes, the form's identity and the helper columns the
    contract checks (``school_municipality``, ``school_in_municipality``, ``balance_ok``)."""
    n = len(rows)
    out = pd.DataFrame({"sheet": rows["sheet"].to_numpy(), "row": rows["row"].to_numpy()})
    out["year"] = int(year)
    out["quarter"] = int(quarter)
    out["municipality_code"] = pd.Series([municipality_code] * n, dtype="string")
    out["school_code"] = cell_texts(rows, "school_code")
    own = out["school_code"].map(lookup(int(year))).astype("string")
    out["school_municipality"] = own
    out["school_in_municipality"] = (own.isna() | (own == out["municipality_code"])).astype(bool)
    if "subject" in rows.columns:
        out["subject"] = _coded(cell_texts(rows, "subject"), settings.subjects)
    if code == POSITIONS:
        out["level"] = _coded(cell_texts(rows, "level"), settings.levels)
        for col in ("positions", "filled", "vacant", "hours_uncovered"):
            out[col] = pd.to_numeric(rows[col].reset_index(drop=True), errors="coerce").astype(
                "float64"
            )
        out["overloaded"] = (
            pd.to_numeric(rows["overloaded"].reset_index(drop=True), errors="coerce")
            .fillna(0)
            .astype("int64")
        )
        gap = (out["filled"] + out["vacant"] - out["positions"]).abs()
        out["balance_ok"] = (gap <= BALANCE_TOLERANCE).astype(bool)
    elif code == TEACHERS:
        out["person_code"] = cell_texts(rows, "person_code")
        bands = {b.code: b.name for b in settings.age_bands}
        out["age_band"] = _coded(cell_texts(rows, "age_band"), bands)
        out["category"] = _coded(cell_texts(rows, "category"), settings.categories)
        for col in ("young", "mentored", "retiring"):
            out[col] = rows[col].reset_index(drop=True).astype("boolean").fillna(False).astype(bool)
    else:
        out["person_code"] = cell_texts(rows, "person_code")
        out["reason"] = _coded(cell_texts(rows, "reason"), settings.leave_reasons)
    return out


def canonical(code: str, ok: pd.DataFrame, file: str) -> pd.DataFrame:
    """Accepted staged rows → the canonical table's rows (``source_row``: the Excel row)."""
    schema = SCHEMAS[code]
    out = pd.DataFrame({c: ok[c].to_numpy() for c in schema if c in ok.columns})
    out["source_file"] = file
    out["source_row"] = ok["row"].astype("int64").to_numpy()
    return out[list(schema)].astype(schema)


def _quarter(read: FormRead) -> int | None:
    text = str(read.identity.get("quarter", "")).strip()
    return int(text) if text in {str(q) for q in QUARTERS} else None


def ingest_staffing(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every filled staffing form under ``data/raw/staffing/``."""
    settings = staffing_settings()
    municipalities = sorted(schools["municipality_code"].dropna().astype(str).unique())
    quarters = [str(q) for q in QUARTERS]
    reads = read_forms(
        paths,
        raw,
        lambda year: form_spec(FormContext(year=year)),
        lambda year: {"municipality_code": municipalities, "quarter": quarters},
    )
    lookup = by_year(schools, "municipality_code")
    params = {"known_school_codes": schools["school_code"].astype(str).tolist()}
    result = IngestResult(reports=[])
    for code in SCHEMAS:
        parts: list[tuple[FormRead, pd.DataFrame]] = []
        for read in reads:
            rows = read.accepted(code)
            quarter = _quarter(read)
            if read.whole_file or rows.empty or quarter is None:
                continue
            year = int(read.identity.get("year") or 0)
            muni = str(read.identity.get("municipality_code", ""))
            parts.append((read, staging(code, rows, muni, year, quarter, settings, lookup)))
        kept = validate_forms(code, parts, params, key=KEYS[code])
        tables = [
            canonical(code, k, read.file)
            for (read, _), k in zip(parts, kept, strict=True)
            if len(k)
        ]
        if tables:
            result.tables[code] = tables
    result.reports = [read.report(KIND) for read in reads]
    return result


def empty(code: str) -> pd.DataFrame:
    """An empty canonical table (a region without staffing forms yet)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCHEMAS[code].items()})


__all__ = ["FORM", "KEYS", "SCHEMAS", "empty", "form_spec", "ingest_staffing"]
