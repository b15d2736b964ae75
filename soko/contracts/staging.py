"""Staging frames: the text read from a file, next to the typed and cross-checked values.

A suite cannot parse «X» or look up the year's mark scale, so staging adds those columns
(typed values, the sum of task scores, the mark the scale gives, the registry's
municipality); the suite then states the rule. Raw text stays beside each typed value so
a format error is reported as such instead of silently becoming a missing value.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region

REGISTRY_COLUMNS = {
    "Код ОО": "school_code",
    "Наименование ОО": "school_name",
    "Код МО": "municipality_code",
    "Муниципальное образование": "municipality_name",
    "Вид ОО": "kind",
    "Тип местности": "locality",
}
CONTEXT_COLUMNS = {
    "Код ОО": "school_code",
    "Год": "year_raw",
    "Численность обучающихся": "n_students_raw",
    "ИСБШ": "isbs_raw",
}

def blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def to_number(s: pd.Series, decimal_comma: bool = False) -> pd.Series:
    text = s.astype("string").str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def registry_staging(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({canon: blank_to_na(rows[ru]) for ru, canon in REGISTRY_COLUMNS.items()})
    out["municipality_code"] = out["municipality_code"].str.zfill(2)
    names = region().municipalities
    out["config_municipality_name"] = out["municipality_code"].map(names).astype("string")
    out["extra_cells"] = rows["__extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"]
    return out


def context_staging(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({canon: blank_to_na(rows[ru]) for ru, canon in CONTEXT_COLUMNS.items()})
    out["year"] = to_number(out["year_raw"])
    out["n_students"] = to_number(out["n_students_raw"])
    out["isbs"] = to_number(out["isbs_raw"], decimal_comma=True)
    out["extra_cells"] = rows["__extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"]
    return out[
        [
            "school_code",
            "year_raw",
            "year",
            "n_students_raw",
            "n_students",
            "isbs_raw",
            "isbs",
            "extra_cells",
            "source_row",
        ]
    ]
