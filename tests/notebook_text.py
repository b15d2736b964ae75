"""What an executed notebook shows a reader: its markdown and HTML outputs, errors refused."""

from __future__ import annotations

import json
from pathlib import Path


def notebook_text(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    texts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", out.get("evalue")
            data = out.get("data", {})
            texts.append(
                "".join(data.get("text/markdown", "")) + "".join(data.get("text/html", ""))
            )
    return "\n".join(texts)


def notebook_images(path: Path) -> int:
    """How many outputs of the executed notebook are images (a chart a page must show)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum("image/png" in out.get("data", {}) for c in cells for out in c.get("outputs", []))
