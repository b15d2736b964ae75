"""What one kind of РЦОИ protocol is: everything the shared reader, staging, scales, contract,
indicators, demo and pages need to know about it.

A procedure package creates its kind (``GiaKind(...)``) and passes it to
:func:`soko.formats.rcoi_protocol.definition.gia_procedure`; the format never looks a kind up
by its code, so a new kind needs no edit here.
"""

from __future__ import annotations

from dataclasses import dataclass

RESULT_TYPES = ("mark", "test_score")  # marks «2»–«5» from thresholds | a 0–100 test score


@dataclass(frozen=True)
class GiaKind:
    code: str  # oge | ege | ...: the procedure code
    title: str  # «ОГЭ»
    table: str  # canonical results table
    result: str  # canonical result column: mark | test_score (RESULT_TYPES)
    result_header: str  # the protocol's column for it («Отметка»)
    grades: tuple[int, ...]  # one grade, or several told apart by the РЦОИ subject code
    scales_file: str = "gia_scales.yml"  # in config/: the kind's block is keyed by ``code``
    raw_folder: str = ""  # under data/raw; default ``gia/<code>``
    suite: str = ""  # expectations suite; default the table's name
    # protocols of other kinds recognised by their result column, to say where they belong:
    # (column header, title, raw folder)
    misfiled: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.result not in RESULT_TYPES:
            raise ValueError(f"result of kind {self.code} must be one of {RESULT_TYPES}")
        if not self.grades:
            raise ValueError(f"kind {self.code} has no grades")

    @property
    def folder(self) -> str:
        """Raw files live under ``data/raw/<folder>/`` (``gia/<code>`` unless declared)."""
        return self.raw_folder or f"gia/{self.code}"

    @property
    def suite_name(self) -> str:
        return self.suite or self.table

    @property
    def by_marks(self) -> bool:
        return self.result == "mark"

    @property
    def several_grades(self) -> bool:
        return len(self.grades) > 1

    @property
    def indicator_table(self) -> str:
        """The derived indicator table the pages read (``<code>_marks`` / ``<code>_scores``)."""
        return f"{self.code}_marks" if self.by_marks else f"{self.code}_scores"

    @property
    def distribution_table(self) -> str | None:
        """Marks kinds: the primary-score distribution (``<code>_scores``)."""
        return f"{self.code}_scores" if self.by_marks else None

    @property
    def derived_names(self) -> tuple[str, ...]:
        return tuple(t for t in (self.indicator_table, self.distribution_table) if t)


_COMMON_SCHEMA: dict[str, str] = {
    "year": "int64",
    "subject": "string",
    "grade": "int64",
    "school_code": "string",
    "municipality_code": "string",
    "participant_id": "string",  # salted pseudonym (soko.pseudonym): never a name
    "class_label": "string",
    "exam_point": "string",
    "exam_date": "string",  # ISO yyyy-mm-dd
    "variant": "Int64",
    "short_answers": "string",
    "long_answers": "string",
    "primary_score": "Int64",
    "max_primary_score": "Int64",
}
_TAIL_SCHEMA: dict[str, str] = {"source_file": "string", "source_row": "int64"}


def schema(kind: GiaKind) -> dict[str, str]:
    """Columns and dtypes of the canonical results table (docs/gia_formats.md)."""
    return {**_COMMON_SCHEMA, kind.result: "Int64", **_TAIL_SCHEMA}
