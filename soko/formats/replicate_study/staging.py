"""Staging frame of the PISA-model student file: text beside typed values, per row.

The file has 117 numeric columns (final weight, 80 replicate weights, 30 plausible values),
too many for one expectation each; staging condenses each family to what a rule needs —
the first cell with a decimal point, the first cell that is no number, the smallest
replicate weight, the lowest and highest plausible value — each with the column it came
from, so the contract still names the exact column of the fault.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from soko.formats.replicate_study.settings import FINAL_WEIGHT, REPLICATE_PREFIX, PisaSettings
from soko.readers.textfile import TableProblem

ID_COLUMNS = {
    "Год": "year_raw",
    "Код ОО": "school_code",
    "Код участника": "student_id",
    "Класс": "grade_raw",
    "Пол": "gender",
    "ESCS": "escs_raw",
}
NUMBER = r"-?\d+(?:,\d+)?"
_POINT = r"-?\d*\.\d+"
_FAMILY = re.compile(rf"^(?:{REPLICATE_PREFIX}\d+|PV\d+[A-Z]+)$")


def required_headers(settings: PisaSettings) -> list[str]:
    pvs = [h for d in settings.domains for h in settings.pv_headers(d)]
    return [*ID_COLUMNS, FINAL_WEIGHT, *settings.replicate_headers(), *pvs]


def check_design_columns(
    path: object, header: list[str], n_rows: int, settings: PisaSettings
) -> None:
    """File rule: exactly the configured replicate weights and plausible values, no more."""
    expected = set(required_headers(settings))
    extra = [h for h in header if _FAMILY.match(h) and h not in expected]
    if extra:
        n_rep = sum(1 for h in header if h.startswith(REPLICATE_PREFIX))
        raise TableProblem(
            n_rows,
            str(path),
            "design_columns",
            f"лишние столбцы весов или правдоподобных значений: {', '.join(extra[:5])}"
            f"{' …' if len(extra) > 5 else ''} (реплицированных весов в файле {n_rep}, "
            f"ожидается ровно {settings.replicates}; правдоподобных значений — по "
            f"{settings.plausible_values} на область)",
            row=1,
        )


def _text(rows: pd.DataFrame, column: str) -> pd.Series:
    s = rows[column].astype("string").str.strip()
    return s.mask(s == "")


def _first_flagged(flags: np.ndarray, names: list[str], raw: np.ndarray) -> tuple[list, list]:
    """Per row: the column name and text of the first flagged cell (None when none)."""
    any_flag = flags.any(axis=1)
    first = flags.argmax(axis=1)
    cols = np.where(any_flag, np.asarray(names, dtype=object)[first], None)
    vals = np.where(any_flag, raw[np.arange(len(raw)), first], None)
    return list(cols), list(vals)


def _extreme(
    values: np.ndarray, names: list[str], lowest: bool
) -> tuple[np.ndarray, list[str | None]]:
    filled = np.where(np.isnan(values), np.inf if lowest else -np.inf, values)
    pos = filled.argmin(axis=1) if lowest else filled.argmax(axis=1)
    val = filled[np.arange(len(values)), pos]
    has = np.isfinite(val)
    cols = np.where(has, np.asarray(names, dtype=object)[pos], None)
    return np.where(has, val, np.nan), list(cols)


def _matches(cells: np.ndarray, pattern: str) -> np.ndarray:
    """Full-match ``pattern`` on every cell (arrow regex: fast on 100 000s of cells)."""
    flat = pd.Series(cells.ravel(), dtype="string[pyarrow]")
    return flat.str.fullmatch(pattern).to_numpy(dtype=bool).reshape(cells.shape)


def pisa_staging(
    rows: pd.DataFrame, settings: PisaSettings, source_file: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The staging frame and the parsed numbers (final weight, replicates, PVs; NaN if bad)."""
    out = pd.DataFrame({canon: _text(rows, ru) for ru, canon in ID_COLUMNS.items()})
    out["year"] = pd.to_numeric(out["year_raw"], errors="coerce").astype("float64")
    out["grade"] = pd.to_numeric(out["grade_raw"], errors="coerce").astype("float64")
    pv_headers = [h for d in settings.domains for h in settings.pv_headers(d)]
    numeric = [FINAL_WEIGHT, *settings.replicate_headers(), *pv_headers]
    raw = rows[[*numeric, "ESCS"]].fillna("").to_numpy(dtype=str)
    good = _matches(raw, NUMBER)
    has_point = _matches(raw, _POINT)
    values = np.where(good, np.char.replace(raw, ",", "."), "nan").astype("float64")
    escs_given = raw[:, -1] != ""
    # a number is required everywhere except ESCS (missing background is allowed)
    bad = ~good & ~has_point
    bad[:, -1] &= escs_given
    names = [*numeric, "ESCS"]
    out["point_column"], out["point_raw"] = _first_flagged(has_point, names, raw)
    out["number_column"], out["number_raw"] = _first_flagged(bad, names, raw)
    out["escs"] = values[:, -1]
    values = values[:, :-1]
    out["weight"] = values[:, 0]
    n_rep = settings.replicates
    out["rep_min"], out["rep_min_column"] = _extreme(
        values[:, 1 : 1 + n_rep], numeric[1 : 1 + n_rep], lowest=True
    )
    pvs = values[:, 1 + n_rep :]
    out["pv_min"], out["pv_min_column"] = _extreme(pvs, pv_headers, lowest=True)
    out["pv_max"], out["pv_max_column"] = _extreme(pvs, pv_headers, lowest=False)
    for col in ("point_column", "point_raw", "number_column", "number_raw"):
        out[col] = out[col].astype("string")
    for col in ("rep_min_column", "pv_min_column", "pv_max_column"):
        out[col] = out[col].astype("string")
    out["extra_cells"] = rows["__extra_cells"].astype("int64").to_numpy()
    out["source_row"] = rows["source_row"].astype("int64").to_numpy()
    out["source_file"] = source_file
    return out, values


STAGING_COLUMNS = (
    "year_raw",
    "school_code",
    "student_id",
    "grade_raw",
    "gender",
    "escs_raw",
    "year",
    "grade",
    "point_column",
    "point_raw",
    "number_column",
    "number_raw",
    "escs",
    "weight",
    "rep_min",
    "rep_min_column",
    "pv_min",
    "pv_min_column",
    "pv_max",
    "pv_max_column",
    "extra_cells",
    "source_row",
    "source_file",
)
