"""The register of measures: its form, reading the filled forms, its contract, its table.

One row per measure: the school (empty for a measure addressed to the whole municipality),
the kind (a name from ``config/measures.yml``, a list in the form), the subject (for a
subject teachers' programme), start and end year, the addressee and the document that ordered
it. Each municipality fills one form a year (``soko forms --year``; ``data/raw/measures/
<year>/``): :mod:`soko.forms` checks every cell against the rule the template states (the
kind from the list, a four-digit year, the school code's shape, required cells) and names
file, sheet, row and column; then the rows of every form are checked together against
``expectations/measures.json`` for what one cell cannot tell (the school is in the registry
and in this municipality, a school's measure names its school, a training programme its
subject, the end is not before the start, one measure is not registered twice with different
content). Bad rows are rejected with a Russian message; the good rows flow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import vpr_subjects
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
from soko.procedures.measures.settings import MeasuresBlock, measures_settings
from soko.school_registry import by_year

KIND = "measures"
TABLE = "measures"
YEAR_MIN = 2015  # the earliest start year a register holds (as the contract's range)
SHEET = "measures"
SHEET_NAME = "Реестр мер"
FORM_CODE = "reestr_mer"
FORM_TITLE = "Реестр мер и их результативность"
# the form's columns: canonical name → Russian header (the order of the register)
HEADERS: dict[str, str] = {
    "school_code": "Код ОО",
    "kind": "Вид меры",
    "subject": "Предмет",
    "start_year": "Год начала",
    "end_year": "Год окончания",
    "addressee": "Адресат",
    "document": "Документ",
}
# The measure's key (the contract's uniqueness rule): one kind, for one school (or the
# whole municipality), in one subject, from one year.
KEY: tuple[str, ...] = ("kind", "unit_key", "subject_key", "start_year")
SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "kind": "string",
    "subject": "string",
    "start_year": "int64",
    "end_year": "Int64",
    "addressee": "string",
    "document": "string",
    "source_file": "string",
    "source_row": "int64",
}


def form_spec(ctx: FormContext) -> FormSpec:
    """The register's form for a year: one sheet, a row per measure."""
    settings = measures_settings(ctx.config_dir)
    subjects = vpr_subjects(ctx.config_dir)
    by_register = [k.name for k in settings.kinds if k.outcome.by_register]
    school_kinds = [k.name for k in settings.kinds if k.level == "school"]
    sheet = SheetSpec(
        code=SHEET,
        name=SHEET_NAME,
        heading=f"Реестр мер, принятых в {ctx.year} году и ранее (действующих)",
        columns=(
            Column(
                "school_code",
                HEADERS["school_code"],
                kind="code",
                pattern=r"edu\d{4,10}",
                pattern_hint="edu и цифры; пусто — мера для всего муниципалитета",
                hint="Код школы из реестра ОО. Для меры, адресованной всему муниципалитету "
                "(например, перекрёстной проверки работ), оставьте пустым.",
            ),
            Column(
                "kind",
                HEADERS["kind"],
                kind="choice",
                required=True,
                choices=tuple(k.name for k in settings.kinds),
                hint="Вид меры из списка (config/measures.yml). Школе адресованы: "
                + "; ".join(school_kinds),
            ),
            Column(
                "subject",
                HEADERS["subject"],
                kind="choice",
                choices=tuple(subjects.values()),
                required_when=(("kind", by_register[0]) if len(by_register) == 1 else None),
                hint="Предмет — для курсов учителей предмета; для других мер можно не заполнять.",
            ),
            Column(
                "start_year", HEADERS["start_year"], kind="year", required=True, minimum=YEAR_MIN
            ),
            Column(
                "end_year",
                HEADERS["end_year"],
                kind="year",
                minimum=YEAR_MIN,
                hint="Пусто, если мера продолжается.",
            ),
            Column("addressee", HEADERS["addressee"], max_length=300),
            Column(
                "document",
                HEADERS["document"],
                max_length=500,
                hint="Реквизиты документа о мере: приказ, дата, номер.",
            ),
        ),
        input_rows=300,
    )
    return FormSpec(
        code=FORM_CODE,
        title=FORM_TITLE,
        sheets=(sheet,),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=(
            "Внесите по строке на каждую меру, принятую для школ муниципалитета или для "
            "муниципалитета в целом: программы поддержки ШНОР, курсы повышения "
            "квалификации учителей предмета, закрепление школ-кураторов, перекрёстную "
            "проверку работ ВПР и другие виды из списка.",
            "Меры, начатые в прошлые годы и продолжающиеся, внесите с их годом начала.",
            "По реестру soko оценивает результативность каждого вида меры: сравнивает "
            "изменение результатов школ с мерой и сопоставимых школ без неё "
            "(docs/measures.md). Поэтому важно внести все меры, а не только успешные.",
        ),
    )


FORM = FormTemplate(
    code=FORM_CODE, title=FORM_TITLE, scope="municipality", folder="measures", spec=form_spec
)


def staging(
    rows: pd.DataFrame,
    municipality_code: str,
    year: int,
    settings: MeasuresBlock,
    schools: pd.DataFrame,
    subject_names: dict[str, str],
) -> pd.DataFrame:
    """The form's accepted rows with codes and the helper columns the contract's cross-column
    rules check (``school_given``, ``school_in_municipality``, ``subject_given``)."""
    n = len(rows)

    out = pd.DataFrame({"sheet": rows["sheet"].to_numpy(), "row": rows["row"].to_numpy()})
    out["year"] = int(year)
    out["municipality_code"] = pd.Series([municipality_code] * n, dtype="string")
    out["school_code"] = cell_texts(rows, "school_code")
    out["kind_name"] = cell_texts(rows, "kind")
    by_name = {k.name.casefold(): k.code for k in settings.kinds}
    kinds = {k.code: k for k in settings.kinds}
    out["kind"] = out["kind_name"].str.casefold().map(by_name).astype("string")
    out["subject_name"] = cell_texts(rows, "subject")
    by_subject = {name.casefold(): code for code, name in subject_names.items()}
    out["subject"] = out["subject_name"].str.casefold().map(by_subject).astype("string")
    for year_column in ("start_year", "end_year"):
        years = pd.to_numeric(cell_texts(rows, year_column), errors="coerce")
        out[year_column] = years.astype("float64")
    out["addressee"] = cell_texts(rows, "addressee")
    out["document"] = cell_texts(rows, "document")
    level = out["kind"].map({c: k.level for c, k in kinds.items()})
    by_register = out["kind"].map({c: k.outcome.by_register for c, k in kinds.items()})
    out["school_given"] = np.where(
        level.isna(), True, (level != "school") | out["school_code"].notna()
    ).astype(bool)
    out["subject_given"] = np.where(
        by_register.isna(),
        True,
        ~by_register.fillna(False).astype(bool) | out["subject"].notna(),
    ).astype(bool)
    # the school's municipality in the measure's start year (a district merged into an okrug
    # later still holds the measures it took before)
    lookup = by_year(schools, "municipality_code")
    own = pd.Series(pd.NA, index=out.index, dtype="string")
    for start in out["start_year"].dropna().unique():
        at = out["start_year"] == start
        own[at] = out.loc[at, "school_code"].map(lookup(int(start))).astype("string")
    out["school_municipality"] = own
    out["school_in_municipality"] = (
        own.isna() | out["school_code"].isna() | (own == out["municipality_code"])
    ).to_numpy(dtype=bool)
    out["unit_key"] = out["school_code"].fillna("муниципалитет " + out["municipality_code"])
    out["subject_key"] = out["subject"].fillna("")
    return out


def _same_key(parts: list[tuple[FormRead, pd.DataFrame]]) -> None:
    """``same_key``: where the other rows with the row's key are (for the uniqueness rule's
    message); identical rows in two files are not copies here — a measure is registered by
    its municipality once."""
    if not parts:
        return
    where = [
        pd.Series([f"строка {r} файла {read.file}" for r in frame["row"]], dtype="string")
        for read, frame in parts
    ]
    keys = pd.concat([frame[list(KEY)].astype("string") for _, frame in parts], ignore_index=True)
    text = pd.concat(where, ignore_index=True)
    group = keys.fillna("\x00").agg("|".join, axis=1)
    mates = text.groupby(group).agg(list)
    same = [
        "; ".join(w for w in mates[g] if w != t) or pd.NA for g, t in zip(group, text, strict=True)
    ]
    start = 0
    for _, frame in parts:
        frame["same_key"] = pd.Series(same[start : start + len(frame)], dtype="string").to_numpy()
        start += len(frame)


def canonical(ok: pd.DataFrame, file: str) -> pd.DataFrame:
    """Accepted rows → the canonical ``measures`` rows (``year`` = start year;
    ``source_row`` = the Excel row of the form)."""
    start = ok["start_year"].astype("int64").to_numpy()
    return pd.DataFrame(
        {
            "year": start,
            "municipality_code": ok["municipality_code"].to_numpy(),
            "school_code": ok["school_code"].to_numpy(),
            "kind": ok["kind"].to_numpy(),
            "subject": ok["subject"].to_numpy(),
            "start_year": start,
            "end_year": ok["end_year"].astype("Float64").round().astype("Int64").to_numpy(),
            "addressee": ok["addressee"].to_numpy(),
            "document": ok["document"].to_numpy(),
            "source_file": file,
            "source_row": ok["row"].astype("int64").to_numpy(),
        }
    ).astype(SCHEMA)


def ingest_register(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every filled register form under ``data/raw/measures/``."""
    settings = measures_settings()
    subject_names = vpr_subjects()
    municipalities = sorted(schools["municipality_code"].dropna().astype(str).unique())
    reads = read_forms(
        paths,
        raw,
        lambda year: form_spec(FormContext(year=year)),
        lambda year: {"municipality_code": municipalities},
    )
    parts: list[tuple[FormRead, pd.DataFrame]] = []
    for read in reads:
        rows = read.accepted(SHEET)
        if read.whole_file or rows.empty:
            continue
        year = int(read.identity.get("year") or 0)
        code = str(read.identity.get("municipality_code", ""))
        parts.append((read, staging(rows, code, year, settings, schools, subject_names)))
    _same_key(parts)
    params = {
        "known_school_codes": schools["school_code"].astype(str).tolist(),
        "kind_codes": [k.code for k in settings.kinds],
    }
    kept = validate_forms(TABLE, parts, params)
    result = IngestResult(reports=[read.report(KIND) for read in reads])
    tables = [canonical(k, read.file) for (read, _), k in zip(parts, kept, strict=True)]
    if tables:
        result.tables[TABLE] = tables
    return result
