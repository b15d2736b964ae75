"""Mark-scale files of the per-student workbooks: ``vpr_scales.yml``, ``niko.yml``, ``rpr.yml``."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from soko.settings.common import Model, ScalesFile, Text

# Canonical columns of a workbook (soko.formats.fisoko_workbook.reader.FIXED_COLUMNS; a test
# keeps them equal).
CanonicalColumn = Literal[
    "school_code",
    "municipality_name",
    "school_name",
    "participant_code",
    "class_label",
    "variant",
    "primary_score",
    "mark",
    "journal_mark",
]
REQUIRED_COLUMNS = ("school_code", "participant_code", "class_label", "primary_score", "mark")


class Layout(Model):
    """How the workbook is titled and headed: file's column → canonical column."""

    title: Text | None = None
    columns: dict[Text, CanonicalColumn] | None = None

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        named = list(v.values())
        twice = sorted({c for c in named if named.count(c) > 1})
        if twice:
            raise ValueError(f"канонический столбец назначен дважды: {', '.join(twice)}")
        missing = [c for c in REQUIRED_COLUMNS if c not in named]
        if missing:
            raise ValueError(f"не назначены обязательные столбцы: {', '.join(missing)}")
        return v


class VprScalesFile(ScalesFile):
    """``config/vpr_scales.yml``."""


class WorkbookProcedureFile(ScalesFile):
    """``config/niko.yml``, ``config/rpr.yml``: a layout plus scales as in ВПР's file."""

    layout: Layout | None = None
