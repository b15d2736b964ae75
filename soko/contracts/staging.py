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
# Optional: a registry that keeps history (one row per school per period). Without them a
# row is valid for every year, as the registry always was.
REGISTRY_PERIOD_COLUMNS = {
    "Действует с": "valid_from_raw",
    "Действует по": "valid_to_raw",
    "Статус": "status",
    "Код ОО-правопреемника": "successor_code",
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
    for ru, canon in REGISTRY_PERIOD_COLUMNS.items():
        present = ru in rows.columns
        out[canon] = blank_to_na(rows[ru]) if present else pd.Series(pd.NA, index=out.index)
        out[canon] = out[canon].astype("string")
    out["status"] = out["status"].str.lower()
    out["valid_from"] = to_number(out["valid_from_raw"])
    out["valid_to"] = to_number(out["valid_to_raw"])
    # a code may appear once per period: unique on the code and the period's first year
    out["period_key"] = out["school_code"].fillna("") + "|" + out["valid_from_raw"].fillna("")
    out["config_municipality_name"] = _config_names(out)
    out["extra_cells"] = rows["__extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"]
    return out


def _config_names(out: pd.DataFrame) -> pd.Series:
    """The config's name of the row's municipality over the row's period: the row's own name
    when the config gives the code that name in some year of the period (a registry kept
    before a reform names the old district), else the name the code has in the period."""
    periods = region().municipality_periods
    names: list[object] = []
    for code, name, start, end in zip(
        out["municipality_code"],
        out["municipality_name"],
        out["valid_from"],
        out["valid_to"],
        strict=True,
    ):
        lo = -1 if pd.isna(start) else start
        hi = 99999 if pd.isna(end) else end
        match = [
            p.name
            for p in periods
            if p.code == code
            and (p.valid_from or -1) <= hi
            and lo <= (p.valid_to if p.valid_to is not None else 99999)
        ]
        names.append(name if name in match else (match[-1] if match else pd.NA))
    return pd.Series(names, index=out.index, dtype="string")


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
