"""Canonical tables in ``data/processed/``: names, columns and dtypes (docs/data_formats.md).

One definition, used by ingest to type what it writes and by anything that needs the
column list, so a column cannot be renamed in one place and forgotten in another.
"""

from __future__ import annotations

import pandas as pd

SCHEMAS: dict[str, dict[str, str]] = {
    "schools": {
        "school_code": "string",
        "school_name": "string",
        "municipality_code": "string",
        "municipality_name": "string",
        "kind": "string",
        "locality": "string",
    },
    "school_context": {
        "school_code": "string",
        "year": "int64",
        "n_students": "int64",
        "isbs": "float64",
    },
    "vpr_results": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "school_code": "string",
        "municipality_code": "string",
        "participant_code": "string",
        "class_label": "string",
        "variant": "Int64",
        "primary_score": "Int64",
        "mark": "Int64",
        "journal_mark": "Int64",
        "source_file": "string",
        "source_row": "int64",
    },
    "vpr_task_scores": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "school_code": "string",
        "participant_code": "string",
        "task": "string",
        "score": "Int64",
    },
    "vpr_tasks": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "task": "string",
        "task_order": "int64",
        "max_score": "int64",
        "level": "string",
    },
}


def all_schemas() -> dict[str, dict[str, str]]:
    """Core tables plus every procedure's (soko.procedures)."""
    from soko.procedures import discover

    merged = dict(SCHEMAS)
    for proc in discover():
        for name, schema in proc.schemas.items():
            if name in merged:
                raise RuntimeError(f"table {name} of procedure {proc.code} is defined twice")
            merged[name] = schema
    return merged


def columns(table: str) -> list[str]:
    return list(all_schemas()[table])


def typed(table: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate parts of a canonical table and give it the canonical dtypes (also empty)."""
    schema = all_schemas()[table]
    if frames:
        df = pd.concat(frames, ignore_index=True)[list(schema)]
    else:
        df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})
    for col, dtype in schema.items():
        if dtype == "Int64" and not isinstance(df[col].dtype, pd.Int64Dtype):
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.astype(schema)
