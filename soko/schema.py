"""The core canonical tables (the school registry and context): columns and dtypes.

Every procedure declares its own tables (``Procedure.schemas``); :func:`typed` gives any of
them their dtypes. One definition, used by ingest to type what it writes and by anything
that needs the column list, so a column cannot be renamed in one place and forgotten in
another.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    # the registry with history: one row per school per period (years, NA = unbounded);
    # ``schools`` is its open-ended rows (soko.school_registry)
    "school_periods": {
        "school_code": "string",
        "school_name": "string",
        "municipality_code": "string",
        "municipality_name": "string",
        "kind": "string",
        "locality": "string",
        "valid_from": "Int64",
        "valid_to": "Int64",
        "status": "string",
        "successor_code": "string",
    },
    "school_context": {
        "school_code": "string",
        "year": "int64",
        "n_students": "int64",
        "isbs": "float64",
    },
}

# The key each core table is unique on: the contract's uniqueness rule (expectations/
# registry.json, context.json) and every join on the table (the objectivity step joins the
# context on (school_code, year)) use these, and a test keeps them equal.
KEYS: dict[str, tuple[str, ...]] = {
    "schools": ("school_code",),
    # a school's period; the registry's files are combined on it as one text column
    # (``period_key`` = code + «Действует с», never missing: a registry without periods
    # is combined on the code alone)
    "school_periods": ("school_code", "valid_from"),
    "school_context": ("school_code", "year"),
}


def columns(table: str) -> list[str]:
    return list(SCHEMAS[table])


def typed(
    table: str, frames: list[pd.DataFrame], schema: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Concatenate parts of a canonical table and give it the canonical dtypes (also empty).

    ``schema`` is the table's column → dtype (a procedure's own); the core tables
    (``schools``, ``school_context``) are found by name."""
    schema = dict(schema if schema is not None else SCHEMAS[table])
    if frames:
        df = pd.concat(frames, ignore_index=True)[list(schema)]
    else:
        df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})
    for col, dtype in schema.items():
        if dtype == "Int64" and not isinstance(df[col].dtype, pd.Int64Dtype):
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.astype(schema)
