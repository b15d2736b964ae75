"""Templates are jupytext pairs the build reads, and their reference notebooks are current.

Every notebooks/X.ipynb has its percent script X.py and they say the same (a reviewer reads
the .py; the build runs it); tests/reference/X.ipynb (nbval's reference, `make references`)
holds the template's cells as they are now, so a template changed without regenerated
references fails here with the command that fixes it, not in a puzzling output mismatch.
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import jupytext
import matplotlib
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbval.plugin import get_sanitize_patterns

from soko.build import plan
from soko.pipeline.templates import TemplateOutOfSync, is_paired, read_template
from tests.conftest import SmallRegion
from tests.make_references import (
    REFERENCE,
    changed_cell,
    reference_notebook,
    reference_path,
    templates,
    write_reference,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
STEMS = sorted(
    {p.stem for p in NOTEBOOKS.glob("*.ipynb")} | {p.stem for p in NOTEBOOKS.glob("*.py")}
)


def test_jupytext_pairs_the_templates_folder() -> None:
    """The configuration JupyterLab's jupytext follows on save pairs notebooks/ with percent
    scripts, and a folder without it does not."""
    assert is_paired(NOTEBOOKS / "vpr_region.ipynb")
    assert not is_paired(Path(__file__).resolve().parent / "reference" / "vpr_region.ipynb")


@pytest.mark.parametrize("stem", STEMS)
def test_template_pair_is_complete_and_in_sync(stem: str) -> None:
    for suffix in (".ipynb", ".py"):
        assert (NOTEBOOKS / f"{stem}{suffix}").is_file(), f"нет notebooks/{stem}{suffix}"
    try:
        read_template(NOTEBOOKS / f"{stem}.ipynb")
    except TemplateOutOfSync as exc:
        pytest.fail(str(exc))


def _pair(folder: Path, paired: bool = True) -> Path:
    folder.mkdir()
    if paired:
        shutil.copy(NOTEBOOKS / "jupytext.toml", folder / "jupytext.toml")
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Проба", metadata={"tags": ["remove-cell"]}),
            new_code_cell("n = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("print(n * 2)\nprint('готово')"),
        ]
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    path = folder / "t.ipynb"
    nbformat.write(nb, path)
    if paired:
        jupytext.write(nb, folder / "t.py", fmt="py:percent")
    return path


def test_the_py_of_a_pair_is_what_runs(tmp_path: Path) -> None:
    ipynb = _pair(tmp_path / "nb")
    script = ipynb.with_suffix(".py")
    nb = read_template(ipynb)
    assert [c.id for c in nb.cells] == ["cell-00", "cell-01", "cell-02"]  # ids of the .ipynb
    assert nb.cells[1].metadata["tags"] == ["parameters"]
    # a change in the .py alone is refused, naming both files and the command
    script.write_text(script.read_text(encoding="utf-8").replace("n * 2", "n * 3"), "utf-8")
    with pytest.raises(TemplateOutOfSync) as err:
        read_template(ipynb)
    message = str(err.value)
    assert str(ipynb) in message and str(script) in message
    assert f"jupytext --sync {ipynb}" in message
    assert "ячейка 3, строка 1" in message and "n * 3" in message


def test_a_template_without_its_mate_is_refused_where_pairing_is_configured(
    tmp_path: Path,
) -> None:
    ipynb = _pair(tmp_path / "nb")
    ipynb.with_suffix(".py").unlink()
    with pytest.raises(TemplateOutOfSync, match="нет пары"):
        read_template(ipynb)
    # a notebook in a folder without pairing (a test's temporary notebook) is read alone
    alone = _pair(tmp_path / "plain", paired=False)
    assert [c.source for c in read_template(alone).cells][1] == "n = 1"


def test_the_build_declares_both_files_of_the_pair(
    small_region: SmallRegion, tmp_path: Path
) -> None:
    bp = plan(2026, small_region.processed, tmp_path / "reports", only="vpr_region")
    inputs = next(t for t in bp.graph if t.name == "notebook:vpr_region").inputs
    assert NOTEBOOKS / "vpr_region.ipynb" in inputs and NOTEBOOKS / "vpr_region.py" in inputs


# --- reference notebooks ------------------------------------------------------------------


@pytest.mark.parametrize("template", [t.name for t in templates()])
def test_reference_holds_the_template_as_it_is(template: str) -> None:
    reference = reference_path(NOTEBOOKS / template)
    fix = "выполните `make references` и просмотрите изменение страницы: git diff tests/reference"
    assert reference.is_file(), f"нет эталона tests/reference/{template}: {fix}"
    changed = changed_cell(NOTEBOOKS / template, reference)
    assert changed is None, (
        f"эталон tests/reference/{template} устарел: шаблон notebooks/{Path(template).stem}.py "
        f"изменён (ячейка {changed}), а эталон не пересчитан — {fix}"
    )


def test_an_edited_template_makes_its_reference_stale(tmp_path: Path) -> None:
    template = _pair(tmp_path / "nb")
    reference = tmp_path / "reference.ipynb"
    shutil.copy(template, reference)
    assert changed_cell(template, reference) is None
    for path in (template, template.with_suffix(".py")):  # edited and synced
        path.write_text(path.read_text(encoding="utf-8").replace("n * 2", "n * 3"), "utf-8")
    assert changed_cell(template, reference) == 3
    nb = nbformat.read(template, as_version=4)
    nb.cells.append(new_markdown_cell("## Ещё раздел"))
    nbformat.write(nb, template)
    jupytext.write(nb, template.with_suffix(".py"), fmt="py:percent")
    nb.cells.pop()
    nbformat.write(nb, reference)
    assert changed_cell(template, reference) == 4  # a cell added at the end


def test_no_reference_without_a_template() -> None:
    orphans = {p.name for p in REFERENCE.glob("*.ipynb")} - {t.name for t in templates()}
    assert not orphans, f"эталоны без шаблона: {sorted(orphans)} (`make references` их удалит)"


def _png() -> bytes:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["а", "б", "в"], [3, 1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def test_reference_drops_runner_timings_and_keeps_a_thumbnail(tmp_path: Path) -> None:
    png = _png()
    cell = new_code_cell("nb.show_figure(fig)", execution_count=1)
    cell.metadata.update(
        {
            "papermill": {"duration": 1.5, "start_time": "2026-12-03T10:00:00"},
            "execution": {"iopub.status.busy": "2026-12-03T10:00:00Z"},
            "tags": [],
        }
    )
    cell.outputs = [
        new_output(
            "display_data",
            data={"image/png": base64.b64encode(png).decode(), "text/plain": "<Image>"},
        )
    ]
    executed = new_notebook(cells=[cell], metadata={"papermill": {"input_path": "/tmp/x"}})
    ref = reference_notebook(executed, Path("notebooks/x.ipynb"))
    assert (
        "papermill" not in ref.metadata and ref.metadata["soko"]["reference_of"] == "notebooks/x.py"
    )
    assert ref.cells[0].metadata == {}
    out = ref.cells[0].outputs[0]
    thumb = base64.b64decode(out.data["image/png"])
    assert thumb.startswith(b"\x89PNG") and len(thumb) < len(png)
    assert out.metadata["soko"]["image"]["width"] == 400
    first, second = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    write_reference(ref, first)
    write_reference(reference_notebook(executed, Path("notebooks/x.ipynb")), second)
    assert first.read_bytes() == second.read_bytes()


def test_sanitizer_removes_only_what_varies_between_runs() -> None:
    import re

    text = (REFERENCE / "sanitize.cfg").read_text(encoding="utf-8")
    patterns = get_sanitize_patterns(text)

    def clean(s: str) -> str:
        for regex, replace in patterns:
            s = re.sub(regex, replace, s)
        return s

    assert clean("нет файла /tmp/pytest-of-u/pytest-7/small_region0/processed/a.parquet") == (
        clean("нет файла /tmp/soko-references-x1/small_region/processed/a.parquet")
    )
    assert clean("<Figure at 0x7f3a2b1c9d00>") == clean("<Figure at 0x7f00aa11bb22>")
    # numbers on a page are content
    assert clean("доля 0,4123; 12 345 участников; 0x12") == "доля 0,4123; 12 345 участников; 0x12"
