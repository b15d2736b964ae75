"""`make references`: the reference notebooks nbval checks the templates against.

Each template of notebooks/ is executed as an analyst's «Run all» does (default parameters,
no injection) against the small demo region (the seed and size of the test session's
``small_region``), through the production runner (``execute_notebook``), and kept in
tests/reference/ with what varies from run to run removed: papermill's and nbclient's timings
and paths. Charts are kept as thumbnails (a third of the size, 32 colours) with the digest of
the full picture in the output's metadata: nbval does not compare pictures (its default), a
reviewer still sees a changed chart in the diff, and the references stay small.

Deterministic: the same templates, code and locked dependencies give the same bytes, so a
regenerated reference differs from the committed one exactly where a page changed.

    .venv/bin/python -m tests.make_references [--jobs 2] [TEMPLATE ...]
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from soko.pipeline.fingerprint import digest_bytes
from soko.pipeline.graph import Graph, Task, run_graph
from soko.pipeline.notebooks import execute_notebook
from soko.pipeline.templates import TemplateOutOfSync, read_template
from tests.conftest import make_small_region

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REFERENCE = Path(__file__).resolve().parent / "reference"

#: Thumbnails: a third of each side, a 32-colour palette (≈ 4 KB a chart instead of ≈ 37 KB).
THUMBNAIL_SCALE = 3
THUMBNAIL_COLOURS = 32
#: Cell and notebook metadata written by the runner, not by the author: timings and paths.
RUNNER_METADATA = ("papermill", "execution")


def templates() -> list[Path]:
    """Every page template (the .ipynb of each pair)."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def reference_path(template: Path) -> Path:
    return REFERENCE / Path(template).with_suffix(".ipynb").name


def changed_cell(template: Path, reference: Path) -> int | None:
    """The first cell (1-based) where ``reference`` no longer holds ``template``'s cells (kind
    and source), or ``None`` when it does: a template edited without `make references`."""
    current = [(c.cell_type, c.source) for c in read_template(template).cells]
    kept = [(c.cell_type, c.source) for c in nbformat.read(reference, as_version=4).cells]
    for i, (a, b) in enumerate(zip(current, kept, strict=False), start=1):
        if a != b:
            return i
    return None if len(current) == len(kept) else min(len(current), len(kept)) + 1


def thumbnail(png: bytes) -> bytes:
    """A small palette PNG of a chart; the same picture always gives the same bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    small = image.resize(
        (max(1, width // THUMBNAIL_SCALE), max(1, height // THUMBNAIL_SCALE)),
        Image.Resampling.LANCZOS,
    ).quantize(colors=THUMBNAIL_COLOURS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _shrink_images(output: Any) -> None:
    data = output.get("data", {})
    if "image/png" not in data:
        return
    png = base64.b64decode(data["image/png"])
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    data["image/png"] = base64.b64encode(thumbnail(png)).decode("ascii")
    output.setdefault("metadata", {})["soko"] = {
        "image": {"digest": digest_bytes(png), "width": width, "height": height}
    }


def reference_notebook(executed: Any, template: Path) -> Any:
    """An executed template as a reference: the runner's timings and paths removed, charts
    as thumbnails, cells otherwise as executed (sources, ids, outputs, execution counts)."""
    nb = nbformat.from_dict(executed)
    for key in RUNNER_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata["soko"] = {
        "reference_of": f"notebooks/{Path(template).with_suffix('.py').name}",
        "regenerate": "make references",
    }
    for cell in nb.cells:
        for key in RUNNER_METADATA:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        for output in cell.get("outputs", []):
            _shrink_images(output)
    return nb


def write_reference(nb: Any, path: Path) -> None:
    """nbformat's own layout (sorted keys, one-space indent), UTF-8, a final newline."""
    text = nbformat.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def regenerate(names: list[str] | None = None, jobs: int = 2) -> int:
    """Execute the templates (all, or those named) and rewrite their references."""
    chosen = [t for t in templates() if not names or t.stem in names or t.name in names]
    unknown = sorted(set(names or ()) - {t.stem for t in chosen} - {t.name for t in chosen})
    if unknown:
        print(f"Нет таких шаблонов в notebooks/: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        for template in chosen:
            read_template(template)  # a pair out of sync is refused before any work
    except TemplateOutOfSync as exc:
        print(f"Эталоны не обновлены: {exc}", file=sys.stderr)
        return 2
    REFERENCE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soko-references-") as tmp:
        print("Малый демонстрационный регион…", flush=True)
        (Path(tmp) / "small_region").mkdir()
        region = make_small_region(Path(tmp) / "small_region")
        executed = Path(tmp) / "executed"
        graph = Graph()
        for template in chosen:
            graph.add(
                Task(
                    name=f"notebook:{template.stem}",
                    action=execute_notebook,
                    args=(template, executed / template.name, {}),
                    kwargs={"env": {"SOKO_PROCESSED": str(region.processed)}},
                    inputs=(template,),
                    outputs=(executed / template.name,),
                )
            )
        result = run_graph(graph, jobs=jobs, on_result=lambda r: print(f"  {r.status} {r.name}"))
        for template in chosen:
            if result.status(f"notebook:{template.stem}") != "ok":
                continue
            nb = nbformat.read(executed / template.name, as_version=4)
            write_reference(reference_notebook(nb, template), reference_path(template))
    if not names:
        for stale in sorted(set(REFERENCE.glob("*.ipynb")) - {reference_path(t) for t in chosen}):
            stale.unlink()
            print(f"  удалён эталон без шаблона: {stale.relative_to(ROOT)}")
    print(result.summary_ru())
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Эталонные тетрадки для pytest --nbval")
    parser.add_argument("templates", nargs="*", help="имена шаблонов (по умолчанию все)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    return regenerate(args.templates or None, jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
