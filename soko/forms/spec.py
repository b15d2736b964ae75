"""What an input form is: its sheets, columns, prefilled rows and identity, as plain values.

One spec is the single source of truth for both directions: the writer turns each column's
rule into Excel data validation and an input message, and the reader checks the very same
rule on every cell it reads back (a user can paste past Excel's validation, or fill the form
in LibreOffice, which keeps it only partly). A spec is built by a procedure for a year and a
region (``soko.procedure.FormTemplate``); nothing here knows any procedure.

Layout of every data sheet (the reader finds the parts by their text, so a row inserted
above the table does not break it):

    row 1           the sheet's heading
    rows 2…         identity: label in column A, value in column B (locked)
    (blank)
    header row      one cell per column (Russian header)
    data rows       prefilled rows (locked cells grey) or blank input rows
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Kind = Literal["text", "integer", "number", "share", "yesno", "choice", "year", "code"]
KINDS: tuple[str, ...] = ("text", "integer", "number", "share", "yesno", "choice", "year", "code")
YES, NO = "да", "нет"
INSTRUCTION_SHEET = "Инструкция"
LISTS_SHEET = "Списки"  # hidden: long choice lists the data validation refers to
MAX_SHEET_NAME = 31  # Excel's limit
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
TEXT_MAX = 1000  # characters in a text cell unless a column says otherwise
YEAR_MIN, YEAR_MAX = 1900, 2100
# headers of a column that would carry a person's name (checked on a ``personal`` form)
NAME_HEADER = re.compile(
    r"(?<![а-яё])(фио|ф\.\s*и\.\s*о\.?|фамилия|имя|отчество|ф\.и\.о)(?![а-яё])|\bname\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Column:
    """One column of a sheet and the rule of its cells.

    ``name``: the canonical column of the table read back; ``header``: what the user sees.
    ``locked``: filled by soko (from the prefilled rows) and protected; the others are input
    cells. ``required_when=(column, value)``: required only when that column of the same
    row holds ``value`` (a document reference is required when the stage is «да»).
    ``pattern``: a regular expression a ``code`` must match, ``pattern_hint`` says it in
    Russian («edu и цифры»).
    """

    name: str
    header: str
    kind: Kind = "text"
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    hint: str = ""
    locked: bool = False
    required_when: tuple[str, str] | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    max_length: int = TEXT_MAX
    width: float | None = None  # characters; None: from the header and kind

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: unknown kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.name}: a choice column needs choices")

    @property
    def low(self) -> float | None:
        """The smallest allowed number (a share: 0 unless stated; a year: 2000)."""
        if self.minimum is not None:
            return self.minimum
        return {"share": 0.0, "year": float(YEAR_MIN)}.get(self.kind)

    @property
    def high(self) -> float | None:
        if self.maximum is not None:
            return self.maximum
        return {"share": 100.0, "year": float(YEAR_MAX)}.get(self.kind)

    @property
    def allowed(self) -> tuple[str, ...]:
        """The texts a list cell may hold (yes/no and choices), else ()."""
        if self.kind == "yesno":
            return (YES, NO)
        return self.choices if self.kind == "choice" else ()

    def with_rule(self, **override: Any) -> Column:
        return replace(self, **override)


@dataclass(frozen=True)
class Row:
    """A prefilled row: the values of the locked cells (by column name) and, for this row
    only, changes to its columns' rules (``rules={"value": {"kind": "yesno"}}``): the
    mechanisms form mixes indicator rows (a number with its own range) and stage rows
    («да/нет» plus a document required when «да») in one table."""

    cells: Mapping[str, object]
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet. ``code``: the value of the ``sheet`` column read back; ``name``: the
    sheet's name in the workbook (≤ 31 characters); ``heading``: its first row.

    With ``rows`` the sheet is a fixed list (``key`` names the locked column that identifies
    a row: the reader matches rows by it, so a sorted table still reads); without, the user
    adds rows, and ``input_rows`` blank rows get the data validation.
    """

    code: str
    name: str
    columns: tuple[Column, ...]
    heading: str = ""
    rows: tuple[Row, ...] = ()
    key: str | None = None
    input_rows: int = 500

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_SHEET_NAME or _BAD_SHEET_CHARS.search(self.name):
            raise ValueError(f"sheet name {self.name!r}: 1–31 characters, none of []:*?/\\")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"sheet {self.name}: column names repeat")
        if self.rows and (self.key is None or self.key not in names):
            raise ValueError(f"sheet {self.name}: prefilled rows need a key column")
        for row in self.rows:
            unknown = (set(row.cells) | set(row.rules)) - set(names)
            if unknown:
                raise ValueError(f"sheet {self.name}: unknown columns {sorted(unknown)}")
        if self.rows:
            keys = [str(r.cells.get(self.key, "")) for r in self.rows]
            if len(set(keys)) != len(keys) or "" in keys:
                raise ValueError(f"sheet {self.name}: prefilled keys must be unique, non-empty")

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def rules_for(self, row: Row | None) -> tuple[Column, ...]:
        """The columns with this row's overrides applied."""
        if row is None or not row.rules:
            return self.columns
        return tuple(c.with_rule(**row.rules.get(c.name, {})) for c in self.columns)

    @property
    def title(self) -> str:
        return self.heading or self.name


@dataclass(frozen=True)
class IdentityField:
    """A value written on every data sheet and checked on read (year, municipality)."""

    name: str
    label: str


YEAR = IdentityField("year", "Год")
MUNICIPALITY_CODE = IdentityField("municipality_code", "Код муниципалитета")
MUNICIPALITY_NAME = IdentityField("municipality_name", "Муниципалитет")
# a quarterly form (staffing) states its quarter, 1–4, checked on read like the year
QUARTER = IdentityField("quarter", "Квартал")
QUARTERS: tuple[int, ...] = (1, 2, 3, 4)


@dataclass(frozen=True)
class FormSpec:
    """A whole form. ``code``: the kind of form («mechanisms»); ``title``: its Russian title
    (the instruction sheet's first line); ``instructions``: lines of Russian text.

    ``personal``: the form is about persons under anonymous codes (teachers, participants):
    a column a user adds whose header names a person («ФИО», «Фамилия» …) rejects its sheet's
    rows, so no name can travel with the codes even in a column soko would not read."""

    code: str
    title: str
    sheets: tuple[SheetSpec, ...]
    identity: tuple[IdentityField, ...] = (YEAR,)
    instructions: tuple[str, ...] = ()
    personal: bool = False

    def __post_init__(self) -> None:
        names = [s.name.casefold() for s in self.sheets]
        reserved = {INSTRUCTION_SHEET.casefold(), LISTS_SHEET.casefold()}
        if len(set(names)) != len(names) or reserved & set(names):
            raise ValueError(f"form {self.code}: sheet names repeat or are reserved")
        codes = [s.code for s in self.sheets]
        if len(set(codes)) != len(codes):
            raise ValueError(f"form {self.code}: sheet codes repeat")

    def sheet(self, code: str) -> SheetSpec:
        return next(s for s in self.sheets if s.code == code)
