"""The diagnostics form: its spec, reading the filled forms, its contract, its table.

One form per municipality and year (``soko forms --year``; ``data/raw/competences/<year>/``),
one row per diagnosed person under an anonymous code — a teacher or a school leader — with
the school, the subject (teachers), a score per domain of ``config/competences.yml`` (% of
the maximum) and whether the person has been trained by a programme addressed to the
deficit. No name ever enters: the form has no such column, and a form to which someone
added one («ФИО», «Фамилия» …) is rejected whole with a message saying why, so names do not
reach ``data/processed/``.

:mod:`soko.forms` checks every cell against the rule the template states (the code's shape,
the role from the list, a score 0–100, «да/нет», a teacher's subject); the rows of every
form are then checked together against ``expectations/competences.json`` for what one cell
cannot tell: the school is in the registry and in this municipality, the role's domains are
scored and the other role's are empty, one row per person code and year.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from soko.file_report import SAME_KEY
from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    Column,
    FormRead,
    FormSpec,
    SheetSpec,
    cell_texts,
    validate_forms,
)
from soko.forms.reader import read_forms
from soko.procedure import FormContext, FormTemplate, IngestResult
from soko.procedures.competences.settings import (
    HEAD,
    TEACHER,
    CompetencesBlock,
    competences_settings,
)
from soko.readers.problems import FileProblem, Problem
from soko.readers.sheets import read_sheets
from soko.school_registry import as_of, by_year

KIND = "competences"
TABLE = "competence_scores"
FOLDER = "competences"
SHEET = "diagnostics"
SHEET_NAME = "Диагностика"
FORM_CODE = "kompetentsii"
FORM_TITLE = "Диагностика профессиональных компетенций педагогов и руководителей"
PERSON_PATTERN = r"[A-Za-z]{1,4}-?\d{4,12}"
SCHOOL_PATTERN = r"edu\d{4,10}"
HEADERS: dict[str, str] = {
    "person_code": "Код педагога",
    "role": "Роль",
    "school_code": "Код ОО",
    "subject": "Предмет",
    "trained": "Прошёл обучение по программе, адресованной дефициту",
}
KEY: tuple[str, ...] = ("year", "person_code")
# words of a header that would carry a person's name: such a column is never read
_NAME_HEADER = re.compile(r"фио|фамил|имя|отчеств|\bname\b|surname", re.IGNORECASE)
SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "person_code": "string",
    "role": "string",
    "subject": "string",
    "domain": "string",
    "score": "float64",
    "trained": "boolean",
    "source_file": "string",
    "source_row": "int64",
}


def score_column(code: str) -> str:
    return f"score_{code}"


def score_header(name: str) -> str:
    return f"{name}, % от максимума"


def _role_names(settings: CompetencesBlock) -> dict[str, str]:
    return {r.code: r.name for r in settings.roles}


def _school_choices(ctx: FormContext) -> tuple[str, ...]:
    """The municipality's schools that year (the list in the form), () when unknown."""
    if ctx.schools is None or ctx.municipality_code is None or ctx.schools.empty:
        return ()
    now = as_of(ctx.schools, ctx.year)
    mine = now[now["municipality_code"].astype(str) == str(ctx.municipality_code)]
    return tuple(sorted(mine["school_code"].astype(str)))


def form_spec(ctx: FormContext) -> FormSpec:
    """The diagnostics form for a year (and municipality): one sheet, a row per person."""
    settings = competences_settings(ctx.config_dir)
    roles = _role_names(settings)
    schools = _school_choices(ctx)
    school = Column(
        "school_code",
        HEADERS["school_code"],
        kind="code",
        required=True,
        pattern=SCHOOL_PATTERN,
        pattern_hint="edu и цифры",
        hint="Код школы из реестра ОО, где работает педагог (руководитель).",
    )
    if schools:
        school = school.with_rule(kind="choice", choices=schools, hint="Код ОО из списка.")
    scores = []
    for role in settings.roles:
        for d in role.domains:
            scores.append(
                Column(
                    score_column(d.code),
                    score_header(d.name),
                    kind="number",
                    minimum=0,
                    maximum=settings.scale_max,
                    hint=f"{role.name}: балл области «{d.name}» в % от максимума; у других "
                    "ролей оставьте пустым.",
                )
            )
    sheet = SheetSpec(
        code=SHEET,
        name=SHEET_NAME,
        heading=f"Диагностика профессиональных компетенций, {ctx.year} год",
        columns=(
            Column(
                "person_code",
                HEADERS["person_code"],
                kind="code",
                required=True,
                pattern=PERSON_PATTERN,
                pattern_hint="латинские буквы и цифры, например T000123",
                hint="Обезличенный код участника диагностики (тот же, что в протоколе "
                "регионального центра). Фамилию и имя не вносите.",
            ),
            Column(
                "role",
                HEADERS["role"],
                kind="choice",
                required=True,
                choices=tuple(roles.values()),
            ),
            school,
            Column(
                "subject",
                HEADERS["subject"],
                kind="choice",
                choices=tuple(settings.subjects.values()),
                required_when=("role", roles[TEACHER]),
                hint="Предмет, который ведёт учитель (для руководителя — пусто).",
            ),
            *scores,
            Column(
                "trained",
                HEADERS["trained"],
                kind="yesno",
                required=True,
                hint="«да» — прошёл курсы по программе, адресованной его дефициту, в этом "
                "учебном году; иначе «нет».",
            ),
        ),
        input_rows=600,
    )
    return FormSpec(
        code=FORM_CODE,
        title=FORM_TITLE,
        sheets=(sheet,),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=(
            "Внесите по строке на каждого педагога и руководителя, прошедшего диагностику "
            "профессиональных компетенций в этом году (решение 002_* пп. 3.3, 4.1; дорожная "
            "карта 004_* п. 2.3).",
            "Только обезличенный код участника: фамилии, имена и другие персональные данные в "
            "форму не вносят. Форма с добавленным столбцом ФИО не принимается целиком.",
            "Баллы — в процентах от максимального балла области. Учителю заполняют области "
            "учителя, руководителю — области руководителя; остальные ячейки оставьте пустыми.",
            "По форме soko считает дефициты по предметам и областям, список тем для программ "
            "повышения квалификации (004_* п. 2.12) и связь результатов диагностики с "
            "результатами школ (docs/competences.md). Результаты отдельного педагога нигде не "
            "показываются, группы меньше 5 человек скрыты.",
        ),
    )


FORM = FormTemplate(
    code=FORM_CODE, title=FORM_TITLE, scope="municipality", folder=FOLDER, spec=form_spec
)


def staging(
    rows: pd.DataFrame,
    municipality_code: str,
    year: int,
    settings: CompetencesBlock,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    """The form's accepted rows with codes and the helper columns the contract's cross-column
    rules check (``school_in_municipality``, ``scores_complete``, ``scores_of_role``)."""
    n = len(rows)

    out = pd.DataFrame({"sheet": rows["sheet"].to_numpy(), "row": rows["row"].to_numpy()})
    out["year"] = int(year)
    out["municipality_code"] = pd.Series([municipality_code] * n, dtype="string")
    out["person_code"] = cell_texts(rows, "person_code").str.upper()
    out["school_code"] = cell_texts(rows, "school_code")
    out["role_name"] = cell_texts(rows, "role")
    by_role = {r.name.casefold(): r.code for r in settings.roles}
    out["role"] = out["role_name"].str.casefold().map(by_role).astype("string")
    out["subject_name"] = cell_texts(rows, "subject")
    by_subject = {name.casefold(): code for code, name in settings.subjects.items()}
    out["subject"] = out["subject_name"].str.casefold().map(by_subject).astype("string")
    trained = rows["trained"].reset_index(drop=True) if "trained" in rows else None
    out["trained"] = (
        pd.array(trained, dtype="boolean") if trained is not None else pd.NA
    )  # the cell rule made it «да»/«нет»
    own_domains = {r.code: {d.code for d in r.domains} for r in settings.roles}
    codes = settings.domain_codes()
    complete = np.ones(n, dtype=bool)
    foreign = np.zeros(n, dtype=bool)
    for code in codes:
        name = score_column(code)
        values = (
            pd.to_numeric(rows[name].reset_index(drop=True), errors="coerce").astype("float64")
            if name in rows
            else pd.Series(np.nan, index=range(n))
        )
        out[name] = values.to_numpy()
        given = values.notna().to_numpy()
        mine = (
            out["role"].map(lambda r, c=code: c in own_domains.get(r, set())).to_numpy(dtype=bool)
        )
        known = out["role"].notna().to_numpy()
        complete &= ~known | ~mine | given
        foreign |= known & ~mine & given
    out["scores_complete"] = complete
    out["scores_of_role"] = ~foreign
    out["subject_given"] = ((out["role"] != TEACHER).fillna(True) | out["subject"].notna()).astype(
        bool
    )
    lookup = by_year(schools, "municipality_code")(int(year)) if year else {}
    own = out["school_code"].map(lookup).astype("string")
    out["school_municipality"] = own
    out["school_in_municipality"] = (
        own.isna() | out["school_code"].isna() | (own == out["municipality_code"])
    ).to_numpy(dtype=bool)
    return out


def staging_columns(settings: CompetencesBlock) -> list[str]:
    """The staging frame's columns, as the contract lists them (the domain columns from the
    configuration: the suite's column set is a parameter)."""
    return [
        "sheet",
        "row",
        "year",
        "municipality_code",
        "person_code",
        "school_code",
        "role_name",
        "role",
        "subject_name",
        "subject",
        "trained",
        *(score_column(c) for c in settings.domain_codes()),
        "scores_complete",
        "scores_of_role",
        "subject_given",
        "school_municipality",
        "school_in_municipality",
        SAME_KEY,
        "source_file",
        "source_row",
    ]


def canonical(ok: pd.DataFrame, file: str, settings: CompetencesBlock) -> pd.DataFrame:
    """Accepted rows → long canonical rows: one per person × domain of the person's role."""
    parts = []
    for role in settings.roles:
        mine = ok[ok["role"] == role.code]
        for d in role.domains:
            parts.append(
                pd.DataFrame(
                    {
                        "year": mine["year"].astype("int64").to_numpy(),
                        "municipality_code": mine["municipality_code"].to_numpy(),
                        "school_code": mine["school_code"].to_numpy(),
                        "person_code": mine["person_code"].to_numpy(),
                        "role": role.code,
                        "subject": mine["subject"].where(mine["role"] == TEACHER).to_numpy(),
                        "domain": d.code,
                        "score": mine[score_column(d.code)].astype("float64").to_numpy(),
                        "trained": mine["trained"].astype("boolean").to_numpy(),
                        "source_file": file,
                        "source_row": mine["row"].astype("int64").to_numpy(),
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(SCHEMA))
    out = out.astype(SCHEMA)
    return out.sort_values(["source_row", "role", "domain"], kind="stable", ignore_index=True)


def name_columns(path: Path) -> list[tuple[int, str]]:
    """(Excel row, header) of the columns of the data sheet whose header names a person
    (added by a user to the form): such a form is not read at all."""
    try:
        sheets = read_sheets(path)
    except FileProblem:
        return []  # the reader says why the file is unreadable
    found = []
    wanted = HEADERS["person_code"].casefold()
    for sheet in sheets:
        if sheet.name.strip().casefold() != SHEET_NAME.casefold():
            continue
        for i, cells in enumerate(sheet.rows[:40]):
            if not any(c.strip().casefold() == wanted for c in cells):
                continue
            found += [(i + 1, c.strip()) for c in cells if _NAME_HEADER.search(c.strip())]
            break
    return found


def _personal_data(read: FormRead, path: Path) -> None:
    bad = name_columns(path)
    if not bad:
        return
    row, header = bad[0]
    read.reject_file(
        Problem(
            read.file,
            row,
            header,
            "personal_data",
            f"лист «{SHEET_NAME}», строка {row}: в форму добавлен столбец «{header}» с "
            "персональными данными; форма принимается только с обезличенными кодами: удалите "
            "столбец и пришлите форму заново (вся форма отклонена, её данные не сохранены)",
            header,
        )
    )


def _mask_person_values(read: FormRead) -> None:
    """A rejected code cell's text is not repeated in the problem (``problems.csv`` under
    data/processed/): a user who typed a name instead of the code would otherwise have it
    written there; the message names the cell, which is enough to find it."""
    column = HEADERS["person_code"]
    read.problems = [
        replace(p, value=None)
        if p.column == column and (p.rule.startswith("cell_") or p.rule == "person_code_pattern")
        else p
        for p in read.problems
    ]


def ingest_competences(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every filled diagnostics form under ``data/raw/competences/``."""
    settings = competences_settings()
    municipalities = sorted(schools["municipality_code"].dropna().astype(str).unique())
    reads = read_forms(
        paths,
        raw,
        lambda year: form_spec(FormContext(year=year)),
        lambda year: {"municipality_code": municipalities},
    )
    parts: list[tuple[FormRead, pd.DataFrame]] = []
    for path, read in zip(paths, reads, strict=True):
        _personal_data(read, path)
        rows = read.accepted(SHEET)
        if read.whole_file or rows.empty:
            continue
        year = int(read.identity.get("year") or 0)
        code = str(read.identity.get("municipality_code", ""))
        parts.append((read, staging(rows, code, year, settings, schools)))
    params = {
        "known_school_codes": schools["school_code"].astype(str).tolist(),
        "role_codes": [r.code for r in settings.roles],
        "staging_columns": staging_columns(settings),
    }
    kept = validate_forms(KIND, parts, params, key=KEY)
    for read in reads:
        _mask_person_values(read)
    result = IngestResult(reports=[read.report(KIND) for read in reads])
    tables = [
        canonical(k, read.file, settings)
        for (read, _), k in zip(parts, kept, strict=True)
        if len(k)
    ]
    if tables:
        result.tables[TABLE] = tables
    return result


__all__ = ["FORM", "HEAD", "SCHEMA", "TABLE", "TEACHER", "form_spec", "ingest_competences"]
