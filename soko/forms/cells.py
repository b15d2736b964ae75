"""One cell against its column's rule: the value it holds, or what is wrong, in Russian.

The writer states each rule to the user with :func:`rule_text` (the input message and the
error message of the data validation) and the reader checks it with :func:`check_cell`, so
the template and the check can never say different things.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from soko.forms.spec import NO, YES, Column

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def number_text(value: float) -> str:
    """12.0 → «12», 12.5 → «12,5» (as a Russian user writes it)."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", ",")


def _range_text(column: Column) -> str:
    low, high = column.low, column.high
    if low is not None and high is not None:
        return f" от {number_text(low)} до {number_text(high)}"
    if low is not None:
        return f" не меньше {number_text(low)}"
    if high is not None:
        return f" не больше {number_text(high)}"
    return ""


def rule_text(column: Column) -> str:
    """What the cell must hold, said once for the template and for the reader's messages."""
    kind = column.kind
    if kind == "integer":
        what = "целое число" + _range_text(column)
    elif kind == "number":
        what = "число" + _range_text(column)
    elif kind == "share":
        what = "доля в процентах, число" + _range_text(column)
    elif kind == "year":
        what = "год, четыре цифры" + _range_text(column)
    elif kind in ("yesno", "choice"):
        what = "одно из значений списка: " + ", ".join(f"«{v}»" for v in column.allowed)
    elif kind == "code":
        what = "код без пробелов" + (f" ({column.pattern_hint})" if column.pattern_hint else "")
    else:
        what = f"текст до {column.max_length} знаков"
    if column.required:
        what += "; обязательно"
    elif column.required_when:
        _, value = column.required_when
        what += f"; обязательно, если в этой строке выбрано «{value}»"
    return what


@dataclass(frozen=True)
class Checked:
    """A cell read: ``value`` typed (None when empty or wrong), else ``rule`` and ``message``."""

    value: object = None
    rule: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.rule is None


def _number(text: str) -> float | None:
    cleaned = _SPACES.sub("", text).replace(",", ".")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _bad(column: Column, rule: str) -> Checked:
    return Checked(None, rule, "нужно: " + rule_text(column))


def check_cell(column: Column, text: str, row: dict[str, str] | None = None) -> Checked:
    """Check one cell's text (as :func:`soko.readers.sheets.cell_text` gives it) against
    ``column``'s rule. ``row``: the row's texts by column name (for ``required_when``)."""
    text = (text or "").strip()
    if not text:
        if column.required:
            return Checked(
                None, "cell_required", "ячейка не заполнена; нужно: " + rule_text(column)
            )
        if column.required_when and row is not None:
            other, value = column.required_when
            if (row.get(other) or "").strip().casefold() == value.casefold():
                return Checked(
                    None,
                    "cell_required_when",
                    f"ячейка не заполнена, а в этой строке выбрано «{value}»: тогда она "
                    "обязательна",
                )
        return Checked(None)
    kind = column.kind
    if kind in ("integer", "number", "share", "year"):
        value = _number(text)
        if value is None:
            return _bad(column, "cell_number")
        if kind in ("integer", "year") and not value.is_integer():
            return _bad(column, "cell_integer")
        low, high = column.low, column.high
        if (low is not None and value < low) or (high is not None and value > high):
            return _bad(column, "cell_range")
        return Checked(int(value) if kind in ("integer", "year") else value)
    if kind in ("yesno", "choice"):
        by_fold = {a.casefold(): a for a in column.allowed}
        found = by_fold.get(_SPACES.sub(" ", text).casefold())
        if found is None:
            return _bad(column, "cell_choice")
        return Checked(found == YES if kind == "yesno" else found)
    if kind == "code":
        if _SPACES.search(text) or (column.pattern and not re.fullmatch(column.pattern, text)):
            return _bad(column, "cell_code")
        return Checked(text)
    if len(text) > column.max_length:
        return _bad(column, "cell_length")
    return Checked(text)


def cell_value_text(value: object) -> str:
    """A typed value as the text a cell shows (for comparing prefilled cells and for
    writing ``values``): True → «да», 12.5 → «12,5»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float):
        return number_text(float(value))
    return str(value).strip()
