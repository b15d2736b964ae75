"""A procedure's workbook layout from ``config/<code>.yml`` (ВПР's is built in)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from soko.config import load_yaml
from soko.formats.fisoko_workbook.reader import FIXED_COLUMNS, VPR_LAYOUT, WorkbookLayout
from soko.paths import config_dir


@lru_cache(maxsize=16)
def _layout(code: str, directory: Path) -> WorkbookLayout:
    name = f"{code}.yml"
    block = load_yaml(name, directory).get("layout") or {}
    return WorkbookLayout(
        procedure=code,
        title=str(block.get("title", code.upper())),
        columns={str(k): str(v) for k, v in (block.get("columns") or FIXED_COLUMNS).items()},
        scales_file=name,
        layout_file=name,
    )


def layout_for(code: str, directory: Path | None = None) -> WorkbookLayout:
    """How ``code``'s workbooks look: ВПР's built-in layout, or the one its config sets."""
    if code == VPR_LAYOUT.procedure:
        return VPR_LAYOUT
    return _layout(code, (directory or config_dir()).resolve())
