"""What differs between ОГЭ and ЕГЭ for the shared reader, staging, ingest and pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GiaKind:
    code: str  # oge | ege
    title: str  # «ОГЭ»
    table: str  # canonical results table
    result: str  # canonical result column: mark | test_score
    result_header: str  # the protocol's column for it

    @property
    def folder(self) -> str:
        """Raw files live under ``data/raw/gia/<code>/``."""
        return f"gia/{self.code}"


OGE = GiaKind("oge", "ОГЭ", "oge_results", "mark", "Отметка")
EGE = GiaKind("ege", "ЕГЭ", "ege_results", "test_score", "Тестовый балл")
KINDS: dict[str, GiaKind] = {k.code: k for k in (OGE, EGE)}

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
