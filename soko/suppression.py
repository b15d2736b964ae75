"""Small-group suppression and display formatting for anything rendered.

Results of fewer than ``min_group`` students (config, 5) could identify children, so
rendered tables hide them. Indicator tables keep true numbers (internal use, roll-ups,
models); suppression is applied only on the way to a report, here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from soko.config import min_group
from soko.labels import BOOL_LABELS, base_column, is_share, rename_columns, value_labels

# Columns that describe *which* group a row is, not the students in it: never masked.
KEY_COLUMNS: frozenset[str] = frozenset(
    {
        "level",
        "unit_code",
        "unit_name",
        "municipality_code",
        "municipality_name",
        "school_code",
        "school_name",
        "year",
        "subject",
        "grade",
        "class_label",
        "variant",
        "task",
        "task_order",
        "task_level",
        "max_score",
        "max_primary_score",
        "primary_score",
        "prev_year",
        "suppressed",
    }
)
# Group sizes a row's suppression is decided on, when present.
N_COLUMNS: tuple[str, ...] = ("n", "n_prev")

DASH = "—"
NBSP = "\u00a0"  # between number and «%», and as thousands separator: no line break inside
MINUS = "\u2212"  # «−», the typographic minus of running text (see ``format_signed``)


def _nullable(col: pd.Series) -> pd.Series:
    """Nullable dtype so that masked integers stay integers (NA, not 3.0 / NaN)."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype("boolean")
    if pd.api.types.is_integer_dtype(col):
        return col.astype("Int64")
    if pd.api.types.is_float_dtype(col):
        return col.astype("Float64")
    return col


def suppress_small_groups(
    table: pd.DataFrame,
    min_n: int | None = None,
    *,
    n_columns: Sequence[str] | None = None,
    keep: Iterable[str] = (),
) -> pd.DataFrame:
    """Copy of ``table`` with every metric of a small-group row masked (NA).

    A row is small when any of ``n_columns`` (default: ``n`` and, after
    ``add_dynamics``, ``n_prev``) is below ``min_n`` (default ``min_group()``). Key columns
    (``KEY_COLUMNS``) and ``keep`` stay; an ``n`` column is masked only where it is itself
    small, so «<5» is shown only where true. Sets boolean ``suppressed``.
    """
    limit = min_group() if min_n is None else int(min_n)
    present = [c for c in N_COLUMNS if c in table.columns]
    n_cols = present if n_columns is None else list(n_columns)
    if not n_cols:
        raise ValueError("no group-size column to decide suppression on (expected `n`)")
    small_by_col = {c: table[c].lt(limit).fillna(False).astype(bool) for c in n_cols}
    small = np.logical_or.reduce([s.to_numpy() for s in small_by_col.values()])
    kept = set(KEY_COLUMNS) | set(keep)
    out = table.copy()
    for col in out.columns:
        if col in kept:
            continue
        mask = small_by_col[col].to_numpy() if col in small_by_col else small
        out[col] = _nullable(out[col]).mask(mask)
    out["suppressed"] = small
    return out


def _fmt_decimal(value: float, digits: int, scale: int = 1) -> str:
    """Round half up on the shortest decimal form of the float, as people round:
    0.6345 → 63,5 % and 14.25 → 14,3 (plain float formatting gives 63,4 and 14,2)."""
    exact = Decimal(repr(float(value))) * scale
    text = f"{exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):f}"
    if Decimal(text) == 0:
        text = text.lstrip("-")  # no "-0,0"
    return text.replace(".", ",")


def format_percent(value: object, digits: int = 1) -> str:
    """0.634 → «63,4 %» (share shown as percent, decimal comma, no-break space)."""
    if _missing(value):
        return DASH
    return f"{_fmt_decimal(float(value), digits, 100)}{NBSP}%"  # type: ignore[arg-type]


def format_pp(value: object, digits: int = 1, *, minus: str = "-") -> str:
    """Change of a share: 0.123 → «+12,3 п. п.», signed so a rise reads as one; the text of
    a page passes ``minus=MINUS`` for «−5,2 п. п.» (see ``format_signed``)."""
    if _missing(value):
        return DASH
    text = _fmt_decimal(float(value), digits, 100)  # type: ignore[arg-type]
    sign = "+" if not text.startswith("-") and float(text.replace(",", ".")) != 0 else ""
    return f"{sign}{text}{NBSP}п.{NBSP}п.".replace("-", minus)


def format_number(value: object, digits: int = 1) -> str:
    """14.25 → «14,3» (decimal comma; exactly ``digits`` decimals)."""
    if _missing(value):
        return DASH
    return _fmt_decimal(float(value), digits)  # type: ignore[arg-type]


def format_signed(value: object, digits: int = 1, *, plus: bool = False) -> str:
    """−3.04 → «−3,0»; with ``plus`` 6.14 → «+6,1»: a number for the text of a page.

    ``format_number`` keeps the hyphen for tables and exports; the sentences and tables of
    the mechanisms, measures and ratings pages print a negative with the typographic minus
    «−» and, where a value is a change, a rise with «+» (``plus``). Rounds half up, like
    the other helpers; never «−0,0» nor «+0,0».
    """
    if _missing(value):
        return DASH
    text = _fmt_decimal(float(value), digits)  # type: ignore[arg-type]
    if plus and not text.startswith("-") and Decimal(text.replace(",", ".")) != 0:
        text = f"+{text}"
    return text.replace("-", MINUS)


def format_count(value: object) -> str:
    """12345 → «12 345» (no-break space between thousands)."""
    if _missing(value):
        return DASH
    return f"{int(value):,}".replace(",", NBSP)  # type: ignore[call-overload]


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _plain(value: object) -> str:
    return DASH if _missing(value) else str(value)


def _formatter(
    col: pd.Series, digits: int, labels: Mapping[str, Mapping[str, str]]
) -> Callable[[object], str]:
    name = str(col.name)
    if name in labels:
        mapping = labels[name]
        return lambda v: DASH if _missing(v) else mapping.get(v, str(v))  # type: ignore[call-overload]
    if name in KEY_COLUMNS:
        return _plain
    if pd.api.types.is_bool_dtype(col):
        return lambda v: DASH if _missing(v) else BOOL_LABELS[bool(v)]
    if is_share(name):
        if name.endswith("_change") and base_column(name) != name:
            return lambda v: format_pp(v, digits)
        return lambda v: format_percent(v, digits)
    if pd.api.types.is_integer_dtype(col):
        return format_count
    if pd.api.types.is_float_dtype(col):
        return lambda v: format_number(v, digits)
    return _plain


def format_table(
    table: pd.DataFrame,
    *,
    min_n: int | None = None,
    digits: int = 1,
    suppress: bool = True,
    keep: Iterable[str] = (),
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Strings ready to render, same columns (``suppressed`` dropped).

    Suppresses first unless the table already has ``suppressed`` (or ``suppress=False``
    for tables that describe no students). Masked group sizes show «<5», other masked or
    missing cells «—»; shares «63,4 %»; share changes «+12,3 п. п.»; counts «1 234»;
    means «14,3»; codes of ``level``, ``zone``, ``subject`` as Russian labels.
    """
    limit = min_group() if min_n is None else int(min_n)
    n_cols = [c for c in N_COLUMNS if c in table.columns]
    if suppress and "suppressed" not in table.columns:
        small = {c: table[c].lt(limit).fillna(False).astype(bool) for c in n_cols}
        table = suppress_small_groups(table, limit, keep=keep)
    else:
        small = {c: _masked_small(table, c) for c in n_cols}
    value_map = value_labels() if labels is None else labels
    out = pd.DataFrame(index=table.index)
    for name in table.columns:
        if name == "suppressed":
            continue
        col = table[name]
        text = col.map(_formatter(col, digits, value_map)).astype("str")
        if name in small:
            text = text.mask(small[name], f"<{limit}")
        out[name] = text
    return out


def _masked_small(table: pd.DataFrame, column: str) -> pd.Series:
    """In an already suppressed table, which group sizes were masked for being small.

    ``n_prev`` is also NA where there is no previous year (``prev_year`` NA): not small.
    """
    if "suppressed" not in table.columns:
        return pd.Series(False, index=table.index)
    small = table[column].isna() & table["suppressed"].astype(bool)
    if column == "n_prev" and "prev_year" in table.columns:
        small &= table["prev_year"].notna()
    return small


def to_display(
    table: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    kind: str | None = None,
    min_n: int | None = None,
    digits: int = 1,
    keep: Iterable[str] = (),
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Suppress, pick ``columns``, format, and give the headers Russian labels.

    Suppression looks at the full row (``n`` even if not shown), so select columns here,
    not before.
    """
    shown = format_table(table, min_n=min_n, digits=digits, keep=keep, labels=labels)
    if columns is not None:
        shown = shown[list(columns)]
    return rename_columns(shown, kind)
