"""The equipment form: its spec, reading the filled forms, its contract, its canonical table.

One form per municipality and year (``soko forms --year``; filled copies go to
``data/raw/lab/<year>/``), one sheet per kind of equipment of ``config/lab.yml`` (physics,
chemistry, biology sets, «Точка роста», digital laboratories), on each a row per school of
the municipality (prefilled from the registry, code and name locked; free rows with a school
code when soko knows no registry yet): whether the school has that equipment (да/нет), the
year it was received, the number of sets, and per term of the school year (config
``terms``) the lessons that used it and the practical (laboratory) works done with it. The
form of year Y reports the school year (Y−1)/Y, at whose end ВПР of year Y are written.

:mod:`soko.forms` checks every cell against the rule the template states (да/нет, a year,
whole numbers in range, what is required when «да»); then the rows of every form are checked
together against ``expectations/lab.json`` for what one cell cannot tell (the school is in the
registry and in this municipality, no use reported without equipment, no more practical works
than lessons, the year received not after the form's year, one school and kind reported
once). Bad rows are rejected with a Russian message naming file, sheet, row and column; good
rows flow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import region
from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    YES,
    Column,
    FormRead,
    FormSpec,
    Row,
    SheetSpec,
    validate_forms,
)
from soko.forms.reader import read_forms
from soko.procedure import FormContext, FormTemplate, IngestResult
from soko.procedures.lab.settings import EquipmentKind, LabBlock, lab_settings
from soko.readers.problems import FileProblem
from soko.readers.sheets import read_sheets
from soko.school_registry import as_of, by_year

KIND = "lab"
FOLDER = "lab"
TABLE = "lab_equipment"
FORM_CODE = "oborudovanie"
FORM_TITLE = "Использование учебного и лабораторного оборудования"
YEAR_MIN = 1990  # the earliest year a set can have been received
MAX_SETS = 500
MAX_LESSONS = 400  # per term
MAX_PRACTICAL = 200
KEY: tuple[str, ...] = ("year", "school_code", "kind")
SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "kind": "string",
    "has_equipment": "bool",
    "year_received": "Int64",
    "sets": "Int64",
    "term": "string",
    "lessons": "Int64",
    "practical": "Int64",
    "note": "string",
    "source_file": "string",
    "source_row": "int64",
}


def lessons_column(term: str) -> str:
    return f"lessons_{term}"


def practical_column(term: str) -> str:
    return f"practical_{term}"


def headers(settings: LabBlock) -> dict[str, str]:
    """Canonical column → Russian header of every sheet (the order of the sheet)."""
    out = {
        "school_code": "Код ОО",
        "school_name": "Школа",
        "has_equipment": "Есть оборудование",
        "year_received": "Год получения",
        "sets": "Комплектов",
    }
    for t in settings.terms:
        out[lessons_column(t.code)] = f"Уроков с оборудованием, {t.name}"
        out[practical_column(t.code)] = f"Практических работ, {t.name}"
    out["note"] = "Комментарий"
    return out


def municipality_schools(ctx: FormContext) -> pd.DataFrame:
    """The municipality's schools of the form's year (code, name), from the registry the
    form context carries; empty without one."""
    if ctx.schools is None or ctx.schools.empty or ctx.municipality_code is None:
        return pd.DataFrame({"school_code": [], "school_name": []}, dtype="string")
    year_schools = as_of(ctx.schools, ctx.year, region(ctx.config_dir))
    mine = year_schools[year_schools["municipality_code"].astype(str) == ctx.municipality_code]
    return mine[["school_code", "school_name"]].sort_values("school_code").reset_index(drop=True)


def _columns(settings: LabBlock, kind: EquipmentKind, prefilled: bool) -> tuple[Column, ...]:
    head = headers(settings)
    when = ("has_equipment", YES)
    cols = [
        Column(
            "school_code",
            head["school_code"],
            kind="code",
            required=True,
            locked=prefilled,
            pattern=r"edu\d{4,10}",
            pattern_hint="edu и цифры",
            hint="Код школы из реестра ОО.",
            width=13,
        ),
        Column("school_name", head["school_name"], locked=prefilled, max_length=300, width=40),
        Column(
            "has_equipment",
            head["has_equipment"],
            kind="yesno",
            required=True,
            hint=f"Есть ли в школе оборудование «{kind.name}» (да/нет).",
        ),
        Column(
            "year_received",
            head["year_received"],
            kind="year",
            minimum=YEAR_MIN,
            required_when=when,
            hint="Год, когда школа получила оборудование (первый комплект); при «да» обязательно.",
        ),
        Column(
            "sets",
            head["sets"],
            kind="integer",
            minimum=1,
            maximum=MAX_SETS,
            required_when=when,
            hint="Число комплектов (рабочих мест, наборов); при «да» обязательно.",
        ),
    ]
    for t in settings.terms:
        cols += [
            Column(
                lessons_column(t.code),
                head[lessons_column(t.code)],
                kind="integer",
                minimum=0,
                maximum=MAX_LESSONS,
                required_when=when,
                hint=f"Уроков, на которых использовалось оборудование, за {t.name} "
                f"(минимум по региону: {kind.min_lessons}); 0, если не использовалось.",
            ),
            Column(
                practical_column(t.code),
                head[practical_column(t.code)],
                kind="integer",
                minimum=0,
                maximum=MAX_PRACTICAL,
                required_when=when,
                hint=f"Практических и лабораторных работ с оборудованием за {t.name} (минимум "
                f"по региону: {kind.min_practical}); не больше числа уроков.",
            ),
        ]
    cols.append(Column("note", head["note"], max_length=500, width=30))
    return tuple(cols)


def form_spec(ctx: FormContext) -> FormSpec:
    """The form for a year and municipality: a sheet per kind of equipment, a row per school
    (prefilled when the registry knows the municipality's schools)."""
    settings = lab_settings(ctx.config_dir)
    schools = municipality_schools(ctx)
    prefilled = not schools.empty
    rows = tuple(
        Row({"school_code": str(c), "school_name": str(n)})
        for c, n in zip(schools["school_code"], schools["school_name"], strict=True)
    )
    sheets = tuple(
        SheetSpec(
            code=kind.code,
            name=kind.name,
            heading=f"{kind.name}: оборудование и его использование в {ctx.year - 1}/"
            f"{ctx.year} учебном году",
            columns=_columns(settings, kind, prefilled),
            rows=rows,
            key="school_code" if prefilled else None,
            input_rows=200,
        )
        for kind in settings.kinds
    )
    terms = ", ".join(t.name for t in settings.terms)
    return FormSpec(
        code=FORM_CODE,
        title=FORM_TITLE,
        sheets=sheets,
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=(
            "Форма заполняется муниципальным органом управления образованием по данным школ: "
            "лист на каждый вид оборудования, строка на каждую школу муниципалитета.",
            "«Есть оборудование»: «да», если в школе есть такое оборудование (хотя бы один "
            "комплект), иначе «нет». При «нет» остальные ячейки строки оставьте пустыми.",
            f"При «да» укажите год получения, число комплектов и за каждый период ({terms}) "
            "число уроков, на которых оборудование использовалось, и число практических "
            "(лабораторных) работ с ним. Если оборудование не использовалось — впишите 0.",
            f"Форма {ctx.year} года — об учебном годе {ctx.year - 1}/{ctx.year}. Минимумы "
            "использования за период (config/lab.yml): "
            + "; ".join(
                f"{k.name} — {k.min_lessons} уроков и {k.min_practical} практических работ"
                for k in settings.kinds
            )
            + ". Оборудование, используемое меньше, считается используемым недостаточно.",
            "По форме soko считает долю школ, где оборудование не используется или используется "
            "недостаточно, и сравнивает выполнение практических заданий ВПР в школах, которые "
            "используют оборудование, и в школах, которые не используют (docs/lab.md).",
        ),
    )


FORM = FormTemplate(
    code=FORM_CODE, title=FORM_TITLE, scope="municipality", folder=FOLDER, spec=form_spec
)


# --- reading ----------------------------------------------------------------------------------


def stated_municipality(path: Path) -> str | None:
    """The municipality code a form states on its sheets (its identity row), None when it
    states none or cannot be read (the reader then says why)."""
    try:
        sheets = read_sheets(Path(path))
    except FileProblem:  # the reader reports an unreadable file itself
        return None
    label = MUNICIPALITY_CODE.label.casefold()
    for sheet in sheets:
        for cells in sheet.rows[:20]:
            if len(cells) > 1 and cells[0].strip().casefold() == label and cells[1].strip():
                return cells[1].strip()
    return None


def staging(
    rows: pd.DataFrame,
    kind: str,
    municipality_code: str,
    year: int,
    settings: LabBlock,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    """A sheet's accepted rows with the helper columns the contract's cross-column rules
    check (``school_in_municipality``, ``use_without_equipment``, ``practical_over``)."""
    n = len(rows)
    out = pd.DataFrame({"sheet": rows["sheet"].to_numpy(), "row": rows["row"].to_numpy()})
    out["year"] = int(year)
    out["municipality_code"] = pd.Series([municipality_code] * n, dtype="string")
    out["school_code"] = rows["school_code"].astype("string").str.strip().to_numpy()
    out["kind"] = pd.Series([kind] * n, dtype="string")
    has = rows["has_equipment"].astype("boolean").to_numpy()
    out["has_equipment"] = pd.array(has, dtype="boolean")
    out["year_received"] = pd.array(rows["year_received"].to_numpy(), dtype="Int64")
    out["sets"] = pd.array(rows["sets"].to_numpy(), dtype="Int64")
    lessons = np.column_stack(
        [
            rows[lessons_column(t.code)].astype("Float64").fillna(0).to_numpy()
            for t in settings.terms
        ]
    )
    practical = np.column_stack(
        [
            rows[practical_column(t.code)].astype("Float64").fillna(0).to_numpy()
            for t in settings.terms
        ]
    )
    for t in settings.terms:
        out[lessons_column(t.code)] = pd.array(rows[lessons_column(t.code)].to_numpy(), "Int64")
        out[practical_column(t.code)] = pd.array(rows[practical_column(t.code)].to_numpy(), "Int64")
    out["note"] = rows["note"].astype("string").to_numpy()
    used = (lessons.sum(axis=1) + practical.sum(axis=1) + out["sets"].fillna(0).to_numpy()) > 0
    out["use_without_equipment"] = (~pd.Series(has).fillna(True).to_numpy(bool) & used).astype(bool)
    over = practical > lessons
    names = [t.name for t in settings.terms]
    out["practical_over"] = over.any(axis=1)
    out["over_terms"] = pd.Series(
        [", ".join(nm for nm, o in zip(names, row, strict=True) if o) or pd.NA for row in over],
        dtype="string",
    )
    lookup = by_year(schools, "municipality_code")(int(year)) if len(schools) else {}
    own = out["school_code"].map(lookup).astype("string")
    out["school_municipality"] = own
    out["school_in_municipality"] = (own.isna() | (own == municipality_code)).to_numpy(bool)
    return out


def canonical(ok: pd.DataFrame, file: str, settings: LabBlock) -> pd.DataFrame:
    """Accepted rows → canonical rows, one per term (``source_row``: the Excel row)."""
    parts = []
    for t in settings.terms:
        parts.append(
            pd.DataFrame(
                {
                    "year": ok["year"].astype("int64").to_numpy(),
                    "municipality_code": ok["municipality_code"].to_numpy(),
                    "school_code": ok["school_code"].to_numpy(),
                    "kind": ok["kind"].to_numpy(),
                    "has_equipment": ok["has_equipment"].fillna(False).astype(bool).to_numpy(),
                    "year_received": ok["year_received"].to_numpy(),
                    "sets": ok["sets"].to_numpy(),
                    "term": t.code,
                    "lessons": ok[lessons_column(t.code)].to_numpy(),
                    "practical": ok[practical_column(t.code)].to_numpy(),
                    "note": ok["note"].to_numpy(),
                    "source_file": file,
                    "source_row": ok["row"].astype("int64").to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SCHEMA.items()})
    out = pd.concat(parts, ignore_index=True).astype(SCHEMA)
    return out.sort_values(["school_code", "kind", "term"], kind="stable").reset_index(drop=True)


def ingest_lab(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every filled equipment form under ``data/raw/lab/``. Each form is
    read against the spec of its own municipality (its prefilled schools)."""
    settings = lab_settings()
    cfg = region()
    reads: list[FormRead] = []
    for path in paths:
        code = stated_municipality(path)

        def spec_for(year: int, code: str | None = code) -> FormSpec:
            known = cfg.municipalities_in(year)
            return form_spec(FormContext(year, code, known.get(code or ""), schools=schools))

        def expected(year: int) -> Mapping[str, str | Collection[str]]:
            return {"municipality_code": sorted(cfg.municipalities_in(year))}

        reads += read_forms([path], raw, spec_for, expected)
    parts: list[tuple[FormRead, pd.DataFrame]] = []
    for read in reads:
        if read.whole_file:
            continue
        year = int(read.identity.get("year") or 0)
        code = str(read.identity.get("municipality_code", ""))
        for kind in settings.kinds:
            rows = read.accepted(kind.code)
            if rows.empty:
                continue
            parts.append((read, staging(rows, kind.code, code, year, settings, schools)))
    params = {"known_school_codes": schools["school_code"].astype(str).tolist()}
    kept = validate_forms(KIND, parts, params, key=KEY)
    result = IngestResult(reports=[read.report(KIND) for read in reads])
    tables = [canonical(k, read.file, settings) for (read, _), k in zip(parts, kept, strict=True)]
    if tables:
        result.tables[TABLE] = tables
    return result
