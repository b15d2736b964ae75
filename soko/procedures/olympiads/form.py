"""The olympiad form: what a municipality already keeps about ВсОШ, reading it back, its
contracts and canonical tables.

Two sheets per municipality and year (``soko forms --year``; filled copies in
``data/raw/olympiads/<year>/``):

- «Участники» — a row per participant × stage × subject: the stage, the subject, the
  participant's code (never a name: the region's olympiad system gives every participant a
  code), the school, the grade studied (and the grade performed for, when higher), the
  status the jury gave, the score. The protocols regions keep have exactly these columns
  besides the names.
- «Обучающиеся» — the municipality's schools (prefilled when the registry is known): the
  number of students by grade band and in all. This is the rates' denominator; the
  context file (``school_context``) has only a school's total enrolment, not by grade, so it
  cannot give «participants per 100 students of grades 7–8».

:mod:`soko.forms` checks every cell (the lists, the code's pattern, numbers); the rows of
all forms then go through ``expectations/olympiads.json`` and
``expectations/olympiad_students.json`` for what one cell cannot tell: the school is in the
registry and in this municipality that year, the grade is allowed at the stage and for the
subject, a participant is one school and grade in a year, one row per participant × stage
× subject × year.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    Column,
    FormRead,
    FormSpec,
    Row,
    SheetSpec,
    cell_texts,
    validate_forms,
)
from soko.forms.reader import read_forms
from soko.procedure import FormContext, FormTemplate, IngestResult
from soko.procedures.olympiads.settings import OlympiadsBlock, olympiad_settings
from soko.school_registry import as_of, by_year

KIND = "olympiads"
FOLDER = "olympiads"
FORM_CODE = "olimpiady"
FORM_TITLE = "Всероссийская олимпиада школьников: участники и результаты"
PARTICIPANTS, STUDENTS = "participants", "students"  # sheet codes
PARTICIPANTS_SHEET, STUDENTS_SHEET = "Участники", "Обучающиеся"
RESULTS_TABLE, STUDENTS_TABLE = "olympiad_results", "olympiad_students"
RESULTS_SUITE, STUDENTS_SUITE = "olympiads", "olympiad_students"
SCHOOL_PATTERN = r"edu\d{4,10}"
TOTAL = "students_total"
ALL_BAND = "все"  # the canonical band of a school's total enrolment (grades 1–11)

HEADERS: dict[str, str] = {
    "stage": "Этап",
    "subject": "Предмет",
    "participant_code": "Код участника",
    "school_code": "Код ОО",
    "grade": "Класс",
    "grade_for": "Выступал за класс",
    "status": "Статус",
    "score": "Балл",
}
# one row per participant × stage × subject × year: the contract's uniqueness rule and the
# key the forms are combined on
KEY: tuple[str, ...] = ("year", "participant_code", "stage", "subject")
STUDENTS_KEY: tuple[str, ...] = ("year", "school_code")

RESULTS_SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "participant_code": "string",
    "stage": "string",
    "subject": "string",
    "grade": "int64",
    "grade_for": "int64",
    "status": "string",
    "score": "float64",
    "source_file": "string",
    "source_row": "int64",
}
STUDENTS_SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "band": "string",
    "students": "int64",
    "source_file": "string",
    "source_row": "int64",
}


def band_column(band: tuple[int, int]) -> str:
    return f"students_{band[0]}_{band[1]}"


def municipality_schools(ctx: FormContext) -> pd.DataFrame:
    """The schools of the form's municipality in its year (code, name), by code; empty when
    the registry or the municipality is unknown."""
    if ctx.schools is None or ctx.schools.empty or ctx.municipality_code is None:
        return pd.DataFrame({"school_code": [], "school_name": []}, dtype="string")
    now = as_of(ctx.schools, ctx.year)
    mine = now[now["municipality_code"].astype(str) == str(ctx.municipality_code)]
    return mine[["school_code", "school_name"]].sort_values("school_code").reset_index(drop=True)


def _participants_sheet(ctx: FormContext, s: OlympiadsBlock, schools: pd.DataFrame) -> SheetSpec:
    codes = tuple(schools["school_code"].astype(str))
    school = (
        Column(
            "school_code",
            HEADERS["school_code"],
            kind="choice",
            required=True,
            choices=codes,
            hint="Код школы муниципалитета из списка (лист «Обучающиеся»).",
        )
        if codes
        else Column(
            "school_code",
            HEADERS["school_code"],
            kind="code",
            required=True,
            pattern=SCHOOL_PATTERN,
            pattern_hint="edu и цифры",
            hint="Код школы из реестра ОО, в которой учится участник.",
        )
    )
    stage_hint = "; ".join(f"{st.name} — {st.grades[0]}–{st.grades[1]} кл." for st in s.stages)
    return SheetSpec(
        code=PARTICIPANTS,
        name=PARTICIPANTS_SHEET,
        heading=f"Участники этапов ВсОШ {ctx.year - 1}/{ctx.year} учебного года",
        columns=(
            Column(
                "stage",
                HEADERS["stage"],
                kind="choice",
                required=True,
                choices=tuple(st.name for st in s.stages),
                hint=f"Этап олимпиады. Классы: {stage_hint}.",
            ),
            Column(
                "subject",
                HEADERS["subject"],
                kind="choice",
                required=True,
                choices=tuple(sub.name for sub in s.subjects),
            ),
            Column(
                "participant_code",
                HEADERS["participant_code"],
                kind="code",
                required=True,
                pattern=s.participant_code.pattern,
                pattern_hint=s.participant_code.hint,
                hint="Код участника из региональной базы олимпиады: один и тот же на всех "
                "этапах и предметах года. ФИО не вносятся.",
            ),
            school,
            Column(
                "grade",
                HEADERS["grade"],
                kind="integer",
                required=True,
                minimum=1,
                maximum=11,
                hint="Класс, в котором участник учится.",
            ),
            Column(
                "grade_for",
                HEADERS["grade_for"],
                kind="integer",
                minimum=1,
                maximum=11,
                hint="Заполняется, только если участник выступал за более старший класс.",
            ),
            Column(
                "status",
                HEADERS["status"],
                kind="choice",
                required=True,
                choices=tuple(st.name for st in s.statuses),
                hint="Статус по итоговому протоколу жюри этапа.",
            ),
            Column(
                "score",
                HEADERS["score"],
                kind="number",
                minimum=0,
                maximum=1000,
                hint="Итоговый балл (необязательно).",
            ),
        ),
        input_rows=200,
    )


def _students_sheet(ctx: FormContext, s: OlympiadsBlock, schools: pd.DataFrame) -> SheetSpec:
    prefilled = not schools.empty
    bands = [
        Column(
            band_column(b),
            f"Обучающихся {s.band_label(b)} кл.",
            kind="integer",
            required=True,
            minimum=0,
            maximum=100000,
        )
        for b in s.grade_bands
    ]
    rows = tuple(
        Row({"school_code": str(c), "school_name": str(n)})
        for c, n in zip(schools["school_code"], schools["school_name"], strict=True)
    )
    return SheetSpec(
        code=STUDENTS,
        name=STUDENTS_SHEET,
        heading=f"Численность обучающихся на начало {ctx.year - 1}/{ctx.year} учебного года",
        columns=(
            Column(
                "school_code",
                HEADERS["school_code"],
                kind="code",
                required=True,
                pattern=SCHOOL_PATTERN,
                pattern_hint="edu и цифры",
                locked=prefilled,
            ),
            Column("school_name", "Наименование ОО", locked=prefilled, max_length=300),
            *bands,
            Column(
                TOTAL,
                "Всего обучающихся (1–11 кл.)",
                kind="integer",
                required=True,
                minimum=0,
                maximum=100000,
            ),
        ),
        rows=rows,
        key="school_code" if prefilled else None,
        input_rows=0 if prefilled else 100,
    )


def form_spec(ctx: FormContext) -> FormSpec:
    """The form for a year (and a municipality: its schools prefilled on «Обучающиеся»)."""
    s = olympiad_settings(ctx.config_dir)
    schools = municipality_schools(ctx)
    return FormSpec(
        code=FORM_CODE,
        title=FORM_TITLE,
        sheets=(_participants_sheet(ctx, s, schools), _students_sheet(ctx, s, schools)),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=(
            f"Год формы — год окончания учебного года: олимпиада {ctx.year - 1}/{ctx.year} "
            f"учебного года вносится в форму {ctx.year} года.",
            "Лист «Участники»: по строке на участника, этап и предмет — как в итоговых "
            "протоколах школьного, муниципального, регионального и заключительного этапов. "
            "Участника обозначает код из региональной базы олимпиады; фамилии и имена не "
            "вносятся.",
            "Класс — тот, в котором участник учится; если он выступал за более старший класс, "
            "укажите его в столбце «Выступал за класс».",
            "Лист «Обучающиеся»: численность обучающихся каждой школы по классам на начало "
            "учебного года — по ней считается доля участников на 100 обучающихся.",
            "Серые ячейки заполнены заранее; не меняйте их и не удаляйте строки.",
        ),
    )


FORM = FormTemplate(
    code=FORM_CODE, title=FORM_TITLE, scope="municipality", folder=FOLDER, spec=form_spec
)


# --- staging: the accepted cells with codes and the contract's helper columns ---------------


def _by_name(names: dict[str, str], values: pd.Series) -> pd.Series:
    lookup = {name.casefold(): code for code, name in names.items()}
    return values.str.casefold().map(lookup).astype("string")


def _staged(
    rows: pd.DataFrame, municipality_code: str, year: int, schools: pd.DataFrame
) -> pd.DataFrame:
    """Where each row came from, the form's identity, the school and the school's
    municipality in the form's year (``school_in_municipality``, a contract rule)."""
    out = pd.DataFrame({"sheet": rows["sheet"].to_numpy(), "row": rows["row"].to_numpy()})
    out["year"] = int(year)
    out["municipality_code"] = pd.Series([municipality_code] * len(out), dtype="string")
    out["school_code"] = cell_texts(rows, "school_code")
    own = out["school_code"].map(by_year(schools, "municipality_code")(int(year)))
    out["school_municipality"] = own.astype("string")
    out["school_in_municipality"] = (
        own.isna() | out["school_code"].isna() | (own == municipality_code)
    ).to_numpy(dtype=bool)
    return out


def stage_results(
    rows: pd.DataFrame,
    municipality_code: str,
    year: int,
    s: OlympiadsBlock,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    """«Участники» rows with codes and the helper columns of ``olympiads.json``."""
    out = _staged(rows, municipality_code, year, schools)
    out["stage_name"] = cell_texts(rows, "stage")
    out["stage"] = _by_name(s.stage_names(), out["stage_name"])
    out["subject_name"] = cell_texts(rows, "subject")
    out["subject"] = _by_name(s.subject_names(), out["subject_name"])
    out["participant_code"] = cell_texts(rows, "participant_code").str.upper()
    grade = pd.to_numeric(cell_texts(rows, "grade"), errors="coerce")
    grade_for = pd.to_numeric(cell_texts(rows, "grade_for"), errors="coerce")
    out["grade"] = grade.astype("float64")
    out["grade_for"] = grade_for.fillna(grade).astype("float64")
    out["status_name"] = cell_texts(rows, "status")
    out["status"] = _by_name(s.status_names(), out["status_name"])
    out["score"] = pd.to_numeric(cell_texts(rows, "score"), errors="coerce").astype("float64")
    low = out["stage"].map({st.code: st.grades[0] for st in s.stages})
    high = out["stage"].map({st.code: st.grades[1] for st in s.stages})
    from_grade = out["subject"].map({sub.code: sub.from_grade for sub in s.subjects})
    # the school stage of a subject starts where the subject does (mathematics and Russian
    # in grade 4, the others in 5); later stages have their own first grade
    first = np.where(out["stage"] == "school", np.fmax(low, from_grade), low)
    known = low.notna() & from_grade.notna() & out["grade_for"].notna()
    ok = (out["grade_for"] >= first) & (out["grade_for"] <= high)
    out["grade_allowed"] = np.where(known, ok, True).astype(bool)
    out["grade_for_not_lower"] = (
        out["grade_for"].isna() | out["grade"].isna() | (out["grade_for"] >= out["grade"])
    ).to_numpy(dtype=bool)
    out["stage_grades"] = (
        pd.Series(first, dtype="Float64").astype("Int64").astype("string")
        + "–"
        + high.astype("Int64").astype("string")
    )
    return out


def stage_students(
    rows: pd.DataFrame,
    municipality_code: str,
    year: int,
    s: OlympiadsBlock,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    """«Обучающиеся» rows with the helper columns of ``olympiad_students.json``."""
    out = _staged(rows, municipality_code, year, schools)
    bands = [band_column(b) for b in s.grade_bands]
    for name in [*bands, TOTAL]:
        out[name] = pd.to_numeric(cell_texts(rows, name), errors="coerce").astype("float64")
    in_bands = out[bands].sum(axis=1, min_count=len(bands))
    out["students_in_bands"] = in_bands
    out["bands_within_total"] = (
        in_bands.isna() | out[TOTAL].isna() | (in_bands <= out[TOTAL])
    ).to_numpy(dtype=bool)
    return out


def _consistent_participants(parts: list[tuple[FormRead, pd.DataFrame]]) -> None:
    """``participant_consistent``: a code is one pupil — one school and one grade in a year,
    over every form (a code typed under two schools would count one pupil twice, or two
    pupils once); ``participant_seen`` says where the code stands otherwise."""
    if not parts:
        return
    frames = [
        f.assign(_where=[f"строка {r} файла {read.file}" for r in f["row"]]) for read, f in parts
    ]
    allrows = pd.concat(frames, ignore_index=True)
    ident = allrows["school_code"].fillna("?") + "/" + allrows["grade"].astype("string").fillna("?")
    groups = allrows.groupby(["year", "participant_code"], dropna=False)
    kinds = ident.groupby([allrows["year"], allrows["participant_code"]], dropna=False).transform(
        "nunique"
    )
    first = groups["_where"].transform("first")
    first_ident = ident.groupby(
        [allrows["year"], allrows["participant_code"]], dropna=False
    ).transform("first")
    ok = (kinds <= 1) | allrows["participant_code"].isna()
    seen = ("код ОО/класс " + first_ident + " (" + first + ")").where(~ok, pd.NA).astype("string")
    start = 0
    for _, frame in parts:
        n = len(frame)
        frame["participant_consistent"] = ok.iloc[start : start + n].to_numpy(dtype=bool)
        frame["participant_seen"] = seen.iloc[start : start + n].to_numpy()
        start += n


def results_canonical(ok: pd.DataFrame, file: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": ok["year"].astype("int64").to_numpy(),
            "municipality_code": ok["municipality_code"].to_numpy(),
            "school_code": ok["school_code"].to_numpy(),
            "participant_code": ok["participant_code"].to_numpy(),
            "stage": ok["stage"].to_numpy(),
            "subject": ok["subject"].to_numpy(),
            "grade": ok["grade"].astype("int64").to_numpy(),
            "grade_for": ok["grade_for"].astype("int64").to_numpy(),
            "status": ok["status"].to_numpy(),
            "score": ok["score"].to_numpy(),
            "source_file": file,
            "source_row": ok["row"].astype("int64").to_numpy(),
        }
    ).astype(RESULTS_SCHEMA)


def students_canonical(ok: pd.DataFrame, file: str, s: OlympiadsBlock) -> pd.DataFrame:
    """Long: a row per school × band (``все``: the school's total enrolment)."""
    parts = []
    for band, column in [
        *((s.band_label(b), band_column(b)) for b in s.grade_bands),
        (ALL_BAND, TOTAL),
    ]:
        parts.append(
            pd.DataFrame(
                {
                    "year": ok["year"].astype("int64").to_numpy(),
                    "municipality_code": ok["municipality_code"].to_numpy(),
                    "school_code": ok["school_code"].to_numpy(),
                    "band": band,
                    "students": ok[column].astype("int64").to_numpy(),
                    "source_file": file,
                    "source_row": ok["row"].astype("int64").to_numpy(),
                }
            )
        )
    if not parts or ok.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in STUDENTS_SCHEMA.items()})
    return pd.concat(parts, ignore_index=True).astype(STUDENTS_SCHEMA)


def ingest_olympiads(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every filled olympiad form under ``data/raw/olympiads/``."""
    s = olympiad_settings()
    municipalities = sorted(schools["municipality_code"].dropna().astype(str).unique())
    reads = read_forms(
        paths,
        raw,
        lambda year: form_spec(FormContext(year=year)),
        lambda year: {"municipality_code": municipalities},
    )
    results: list[tuple[FormRead, pd.DataFrame]] = []
    students: list[tuple[FormRead, pd.DataFrame]] = []
    for read in reads:
        if read.whole_file:
            continue
        year = int(read.identity.get("year") or 0)
        code = str(read.identity.get("municipality_code", ""))
        rows = read.accepted(PARTICIPANTS)
        if not rows.empty:
            results.append((read, stage_results(rows, code, year, s, schools)))
        rows = read.accepted(STUDENTS)
        if not rows.empty:
            students.append((read, stage_students(rows, code, year, s, schools)))
    _consistent_participants(results)
    known = schools["school_code"].astype(str).tolist()
    kept_results = validate_forms(
        RESULTS_SUITE,
        results,
        {
            "known_school_codes": known,
            "stage_codes": [st.code for st in s.stages],
            "subject_codes": [sub.code for sub in s.subjects],
            "status_codes": [st.code for st in s.statuses],
        },
        key=KEY,
    )
    kept_students = validate_forms(
        STUDENTS_SUITE, students, {"known_school_codes": known}, key=STUDENTS_KEY
    )
    out = IngestResult(reports=[read.report(KIND) for read in reads])
    tables = [
        results_canonical(k, read.file)
        for (read, _), k in zip(results, kept_results, strict=True)
        if not k.empty
    ]
    if tables:
        out.tables[RESULTS_TABLE] = tables
    counts = [
        students_canonical(k, read.file, s)
        for (read, _), k in zip(students, kept_students, strict=True)
        if not k.empty
    ]
    if counts:
        out.tables[STUDENTS_TABLE] = counts
    return out
