"""Problems found in incoming files, with everything a user needs to find and fix them.

Every message names the file, the row (1-based, as the user sees it in Excel or a text
editor), the column and the rule, in Russian.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One rejected row (or a whole file when ``row`` is None)."""

    file: str
    row: int | None
    column: str | None
    rule: str
    message: str
    value: str | None = None

    def text(self) -> str:
        where = [f"файл {self.file}"]
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        value = f" (значение: «{self.value}»)" if self.value not in (None, "") else ""
        return f"{', '.join(where)}: {self.message}{value} [правило: {self.rule}]"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class FileProblem(Exception):
    """The file as a whole cannot be used: unreadable, empty, wrong layout, missing columns."""

    def __init__(
        self,
        path: Path | str,
        rule: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = Problem(
            file=Path(path).name, row=row, column=column, rule=rule, message=message
        )
        self.rows_read = 0  # data rows seen before the file was given up (all rejected)
        super().__init__(self.problem.text())
