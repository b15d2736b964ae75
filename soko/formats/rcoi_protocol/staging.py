"""Staging frame of a protocol: raw text next to typed and cross-checked values.

A suite cannot parse «+-2…», look up the year's scale or a registry, so staging adds those
columns (points per task summed, the mark or test score the scale gives, the registry's
municipality, the pseudonymous id and where a participant was seen first) and the suite
states the rule. Personal fields are turned into the id here and dropped: nothing after
staging sees a name or a document number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.answers import parse_answers
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.formats.rcoi_protocol.reader import Protocol
from soko.pseudonym import pseudonyms

DATE = r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$"
CLASS_GRADE = r"^\s*(\d{1,2})"
PERSONAL = {"surname": "фамилия", "first_name": "имя", "document": "номер документа"}


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _number(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def decimal_mark(percent: pd.Series, form: str) -> str | None:
    """The file's decimal mark from its percent column; None = either (xlsx numbers)."""
    if form != "csv":
        return None
    text = percent.astype("string")
    commas = int(text.str.contains(",", regex=False).sum())
    points = int(text.str.contains(".", regex=False).sum())
    return "." if points > commas else ","


def _person_missing(rows: pd.DataFrame) -> pd.Series:
    missing = pd.Series("", index=rows.index, dtype="string")
    for col, label in PERSONAL.items():
        blank = rows[col].astype("string").str.strip().fillna("") == ""
        missing = missing.mask(blank, missing + np.where(missing == "", "", ", ") + label)
    return missing.mask(missing == "")


def _scale_columns(
    kind: GiaKind, out: pd.DataFrame, rows: pd.DataFrame, config_dir: Path | None = None
) -> pd.DataFrame:
    """Per year × subject group: parse answers against the scale, compute the expected result."""
    n = len(out)
    cols: dict[str, np.ndarray] = {
        "scale_known": np.zeros(n, dtype=bool),
        "short_chars_ok": np.ones(n, dtype=bool),
        "short_count": np.full(n, np.nan),
        "short_expected": np.full(n, np.nan),
        "long_format_ok": np.ones(n, dtype=bool),
        "long_count": np.full(n, np.nan),
        "long_expected": np.full(n, np.nan),
        "short_over": np.full(n, None, dtype=object),
        "long_over": np.full(n, None, dtype=object),
        "long_max_mismatch": np.full(n, None, dtype=object),
        "task_sum": np.full(n, np.nan),
        "max_score": np.full(n, np.nan),
        "expected_result": np.full(n, np.nan),
        "scale_note": np.full(n, None, dtype=object),
    }
    keys = out[["year", "subject", "expected_grade"]].astype("object")
    groups = keys.groupby(["year", "subject", "expected_grade"], dropna=True, sort=True).indices
    for (year, subject, grade), idx in groups.items():
        sc = scales.scale(kind, int(year), str(subject), int(grade), config_dir)
        if sc is None:
            continue
        parsed = parse_answers(
            rows["short_answers"].iloc[idx].reset_index(drop=True),
            rows["long_answers"].iloc[idx].reset_index(drop=True),
            sc.short_labels,
            sc.short_max,
            sc.long_labels,
            sc.long_max,
        )
        primary = out["primary_score"].to_numpy()[idx]
        cols["scale_known"][idx] = True
        cols["short_chars_ok"][idx] = parsed.short_chars_ok
        cols["short_count"][idx] = parsed.short_count
        cols["short_expected"][idx] = len(sc.short_labels)
        cols["long_format_ok"][idx] = parsed.long_format_ok
        cols["long_count"][idx] = parsed.long_count
        cols["long_expected"][idx] = len(sc.long_labels)
        cols["short_over"][idx] = parsed.short_over
        cols["long_over"][idx] = parsed.long_over
        cols["long_max_mismatch"][idx] = parsed.long_max_mismatch
        cols["task_sum"][idx] = parsed.task_sum
        cols["max_score"][idx] = sc.max_score
        if kind.by_marks:
            expected = sc.marks_for(primary, parsed.points)
            notes = _condition_notes(sc, expected, primary, parsed.points)
        else:
            expected = sc.test_scores_for(primary)
            notes = np.array([None if np.isnan(v) else str(int(v)) for v in expected], object)
        cols["expected_result"][idx] = expected
        cols["scale_note"][idx] = notes
    cols["short_count"][~cols["short_chars_ok"]] = np.nan  # one problem per cause
    cols["long_count"][~cols["long_format_ok"]] = np.nan
    cols["scale_known"] |= keys.isna().any(axis=1).to_numpy()  # unknown year/subject: own rule
    for name, values in cols.items():
        out[name] = values
    for name in ("short_over", "long_over", "long_max_mismatch", "scale_note"):
        out[name] = out[name].astype("string")
    return out


def _condition_notes(
    sc: scales.GiaScale, expected: np.ndarray, primary: np.ndarray, points: dict[str, np.ndarray]
) -> np.ndarray:
    """«3», or «2 (геометрия: 1 балл, нужно не менее 2)» when a condition lowered the mark."""
    notes = np.array([None if np.isnan(v) else str(int(v)) for v in expected], dtype=object)
    if not sc.conditions or sc.marks is None:
        return notes
    by_score = sc.threshold_marks(primary)
    for i in np.flatnonzero(by_score > expected):
        failed = []
        for cond in sc.conditions:
            got = sum(points[t][i] for t in cond.tasks)
            if got < cond.min_points and by_score[i] >= cond.mark:
                failed.append(f"{cond.name}: {int(got)}, нужно не менее {cond.min_points}")
        notes[i] = f"{int(expected[i])} ({'; '.join(failed)})"
    return notes


def stage_protocol(
    protocol: Protocol,
    kind: GiaKind,
    source_file: str,
    school_municipality: dict[str, str],
    subject_codes: dict[str, tuple[str, int]],
    salt: bytes,
    config_dir: Path | None = None,
) -> pd.DataFrame:
    """The staging frame of one protocol (``same_key`` is added when files are combined).

    ``subject_codes``: РЦОИ subject code → (subject, grade) (``scales.subject_grade_by_rcoi``);
    the grade a row is checked against is its exam's, else the kind's only grade."""
    rows = protocol.rows
    out = pd.DataFrame(
        {
            "school_code": _blank_to_na(rows["school_code"]),
            "municipality_code": _blank_to_na(rows["municipality_code"]).str.zfill(2),
            "class_label": _blank_to_na(rows["class_label"]),
            "exam_point": _blank_to_na(rows["exam_point"]).fillna(""),
            "subject_code_raw": _blank_to_na(rows["subject_code"]).fillna(""),
            "exam_date_raw": _blank_to_na(rows["exam_date"]).fillna(""),
            "variant_raw": _blank_to_na(rows["variant"]).fillna(""),
            "short_raw": _blank_to_na(rows["short_answers"]).fillna(""),
            "long_raw": _blank_to_na(rows["long_answers"]).fillna(""),
            "primary_score_raw": _blank_to_na(rows["primary_score"]).fillna(""),
            "percent_raw": _blank_to_na(rows["percent"]).fillna(""),
            "result_raw": _blank_to_na(rows[kind.result]).fillna(""),
        }
    )
    out["registry_municipality"] = out["school_code"].map(school_municipality).astype("string")
    out["class_grade"] = out["class_label"].str.extract(CLASS_GRADE, expand=False)
    exam = out["subject_code_raw"].map(subject_codes)
    grade = exam.map(lambda sg: str(sg[1]), na_action="ignore").astype("string")
    if not kind.several_grades:
        grade = grade.fillna(str(kind.grades[0]))
    out["expected_grade"] = grade
    out["subject"] = exam.map(lambda sg: sg[0], na_action="ignore").astype("string")
    date = out["exam_date_raw"].str.extract(DATE)
    out["year"] = pd.to_numeric(date[2], errors="coerce").astype("float64")
    out["exam_date"] = (date[2] + "-" + date[1].str.zfill(2) + "-" + date[0].str.zfill(2)).astype(
        "string"
    )
    out["primary_score"] = _number(out["primary_score_raw"].where(out["primary_score_raw"] != ""))
    out["result"] = _number(out["result_raw"].where(out["result_raw"] != ""))
    out = _scale_columns(kind, out, rows, config_dir)
    out["scale_key"] = (
        out["exam_date_raw"].str.slice(-4) + " год, код предмета " + out["subject_code_raw"]
    )

    mark = decimal_mark(out["percent_raw"], protocol.form)
    wrong = {",": ".", ".": ","}.get(mark or "")
    out["percent_mark_ok"] = (
        ~out["percent_raw"].str.contains(wrong, regex=False).fillna(False) if wrong else True
    )
    out["file_decimal_mark"] = mark or ""
    percent = _number(out["percent_raw"])
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_pct = 100.0 * out["primary_score"] / out["max_score"]
    out["percent_error"] = (percent - expected_pct).abs()

    series = rows["document_series"].astype("string").fillna("")
    document = (series + " " + rows["document"].astype("string").fillna("")).str.strip()
    out["person_missing"] = _person_missing(rows).astype("string")
    ids = pseudonyms(rows["surname"], rows["first_name"], rows["patronymic"], document, salt)
    out["participant_id"] = pd.Series(ids, index=out.index, dtype="string").mask(
        out["person_missing"].notna()
    )
    out["merged_cells"] = rows["merged_cells"].astype("string")
    out["extra_cells"] = rows["extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"].astype("int64").to_numpy()
    out["source_file"] = source_file
    return out
