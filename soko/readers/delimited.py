"""The registry and context tables, from any table file (usually `;`-text in cp1251).

Encoding and delimiter are detected, not assumed, and an `.xlsx` is read as well as a
`.csv`: an office that saves the file in UTF-8, with commas or from Excel should not have
to resend it. The header is the first row naming the table's first column; without it the
first row, so that the missing columns are named. Everything is read as text; typing is the
contract's job, so a bad cell becomes a reported row, not a crash.
"""

from __future__ import annotations

from pathlib import Path

from soko.readers.textfile import TextTable, read_text_table


def read_delimited(path: Path, required: list[str], expected: str = "") -> TextTable:
    """Read a header + rows table; the header must contain every name in ``required``.

    ``expected`` is the kind read (``registry``, ``context``), so that a file of another kind
    put in its folder is named as such.
    """
    return read_text_table(path, required, required[0], first_row_header=True, expected=expected)
