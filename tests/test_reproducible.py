"""Reproducible output: the same inputs and code give the same bytes; the date comes from one
place; every page says where it comes from.

The session's build of the small region (``small_build``) is compared with one more build
from the same inputs in fresh folders — the only extra build of this module: its canonical
tables are copied, its derived tables, executed notebooks and pages are made again. The date
check re-renders that second build's pages (notebooks do not see the date) under another
``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from soko.build import build, plan, read_paths, write_indexes
from soko.config import region
from soko.paths import project_root
from soko.pipeline.forms import blank_forms
from soko.pipeline.graph import Graph, GraphResult, TaskResult, run_graph
from soko.provenance import EPOCH_ENV, BuildDate, BuildDateError, build_date
from tests.conftest import SecondBuild, SmallRegion

pytestmark = pytest.mark.notebooks
YEAR = 2026
#: Hex characters of a table's hash in a page footer.
SHORT = 12


def blake(path: Path) -> str:
    """The digest the footer and manifest promise (BLAKE2b, 128 bits), computed here
    independently of soko's hasher."""
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def first_difference(a: bytes, b: bytes) -> str:
    """Where two files part, as a few lines of context (a failing test says what varied)."""
    left = a.decode("utf-8", "replace").splitlines()
    right = b.decode("utf-8", "replace").splitlines()
    diff = difflib.unified_diff(left, right, lineterm="", n=1)
    return "\n".join(line[:300] for line in list(diff)[:12])


@pytest.fixture(scope="module")
def second(second_build: SecondBuild) -> SecondBuild:
    """The session's second build (tests/conftest.py: on a LocalCluster, from fresh folders)."""
    return second_build


def test_two_builds_from_the_same_inputs_give_the_same_bytes(
    small_build: Path, second: SecondBuild
) -> None:
    first, again = files_under(small_build), files_under(second.reports)
    assert sorted(first) == sorted(again)
    assert f"{YEAR}/manifest.json" in first
    assert sum(name.endswith(".html") for name in first) > 10
    differing = [name for name in first if first[name] != again[name]]
    detail = first_difference(first[differing[0]], again[differing[0]]) if differing else ""
    assert not differing, f"{len(differing)} файлов различаются, первый {differing[0]}:\n{detail}"


def test_another_build_date_changes_only_the_date(
    small_region: SmallRegion, second: SecondBuild, tmp_path: Path, monkeypatch
) -> None:
    before = json.loads((second.reports / str(YEAR) / "manifest.json").read_text("utf-8"))
    old = BuildDate(dt.datetime.fromisoformat(before["build_date"]), before["build_date_source"])
    epoch = old.epoch + 40 * 86400 + 3600  # another day, another hour: differs by construction
    monkeypatch.setenv(EPOCH_ENV, str(epoch))
    new = build_date()
    assert new.epoch == epoch and new.ru() != old.ru()

    reports = tmp_path / "reports"
    shutil.copytree(second.reports, reports)
    bp = plan(YEAR, second.processed, reports)
    renders = Graph(t for t in bp.graph if t.name.startswith("render:"))
    rendered = run_graph(renders, jobs=1)
    assert rendered.ok, rendered.summary_ru()
    # the notebooks and derived tables are the second build's: only the renders ran now
    everything = GraphResult(
        {n: rendered.tasks.get(n, TaskResult(n, "ok")) for n in bp.graph.names}
    )
    write_indexes(bp, everything, reports, small_region.raw)

    was, now = files_under(second.reports), files_under(reports)
    assert sorted(was) == sorted(now)
    for name, data in now.items():
        if name.endswith("manifest.json"):
            continue
        text = data.decode("utf-8")
        assert new.ru() in text, name
        assert text == was[name].decode("utf-8").replace(old.ru(), new.ru()), name
    after = json.loads(now[f"{YEAR}/manifest.json"])
    assert after["build_date"] == new.iso and after["build_date_source"] == EPOCH_ENV
    for name, page in after["pages"].items():  # a page's bytes hold the date: its digest moves
        assert page["output"]["digest"] == blake(reports / str(YEAR) / page["output"]["file"])
        page["output"]["digest"] = before["pages"][name]["output"]["digest"]
    changed = {"build_date", "build_date_source", "build_date_note"}
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }


def _head() -> tuple[str, bool] | None:
    """HEAD and whether the tree differs from it, asked of git here, not through soko."""
    git = shutil.which("git")
    if git is None:
        return None
    root = project_root()
    head = subprocess.run([git, "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return None
    status = subprocess.run([git, "-C", root, "status", "--porcelain"], capture_output=True)
    return head.stdout.strip(), bool(status.stdout.strip())


def test_every_page_footer_names_date_commit_and_each_read_table(
    small_region: SmallRegion, small_build: Path
) -> None:
    year_dir = small_build / str(YEAR)
    manifest = json.loads((year_dir / "manifest.json").read_text("utf-8"))
    date = BuildDate(dt.datetime.fromisoformat(manifest["build_date"]), "git").ru()
    head = _head()
    bp = plan(YEAR, small_region.processed, small_build)
    assert bp.runs
    for run in bp.runs:
        html = (year_dir / f"{run.name}.html").read_text("utf-8")
        footer = html[html.index('<footer class="soko-footer">') :]
        assert f"<summary>О сборке: {date}</summary>" in footer, run.name
        if head is not None:
            commit, dirty = head
            assert f"коммит {commit[:10]}" in footer
            assert ("(изменён)" in footer) == dirty
        assert f"pandas {metadata.version('pandas')}" in footer
        paths = read_paths(small_region.processed, run.spec.reads)
        for name, path in zip(run.spec.reads, paths, strict=True):
            shown = re.search(rf">{re.escape(name)} <code>([0-9a-f]+)</code>", footer)
            assert shown, (run.name, name)
            assert shown.group(1) == blake(path)[:SHORT], (run.name, name)
    for index in (year_dir / "index.html", small_build / "index.html"):
        assert f"<summary>О сборке: {date}</summary>" in index.read_text("utf-8")


def test_the_manifest_names_inputs_outputs_and_versions(
    small_region: SmallRegion, small_build: Path
) -> None:
    year_dir = small_build / str(YEAR)
    text = (year_dir / "manifest.json").read_text("utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert str(small_region.raw) not in text and str(small_region.processed) not in text
    head = _head()
    if head is not None:
        assert manifest["commit"] == {"hash": head[0], "dirty": head[1]}
    assert manifest["versions"]["pandas"] == metadata.version("pandas")
    assert manifest["versions"]["jinja2"] == metadata.version("jinja2")  # not only the main
    assert "pytest" not in manifest["versions"]  # a dev tool is not a runtime dependency
    raw = {p.relative_to(small_region.raw).as_posix(): p for p in small_region.raw.rglob("*")}
    raw = {name: p for name, p in raw.items() if p.is_file()}
    assert sorted(manifest["raw_inputs"]) == sorted(raw)
    for name, digest in manifest["raw_inputs"].items():
        assert digest == blake(raw[name]), name
    assert manifest["pages"]
    for name, page in manifest["pages"].items():
        assert page["status"] == "built"
        assert page["output"]["digest"] == blake(year_dir / page["output"]["file"]), name
        assert "processed_dir" not in page["parameters"]
        for table in page["inputs"].values():
            assert table["digest"] == blake(small_region.processed / table["file"])


def test_blank_forms_are_the_same_bytes_and_carry_the_build_date(
    tmp_path: Path, monkeypatch
) -> None:
    municipality = next(iter(region().municipalities_in(YEAR)))
    monkeypatch.delenv(EPOCH_ENV, raising=False)
    first = blank_forms(YEAR, tmp_path / "a", municipality)
    again = blank_forms(YEAR, tmp_path / "b", municipality)
    assert first and [w.path.name for w in first] == [w.path.name for w in again]
    for a, b in zip(first, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name

    monkeypatch.setenv(EPOCH_ENV, "1700000000")  # 2023-11-14 22:13:20 UTC
    dated = blank_forms(YEAR, tmp_path / "c", municipality)
    for form in dated:
        with zipfile.ZipFile(form.path) as z:
            core = z.read("docProps/core.xml").decode("utf-8")
            assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert ">2023-11-14T22:13:20Z</dcterms:created>" in core
        assert ">2023-11-14T22:13:20Z</dcterms:modified>" in core
        assert form.path.read_bytes() != tmp_path.joinpath("a", form.path.name).read_bytes()


def test_a_bad_source_date_epoch_is_refused_in_russian(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(EPOCH_ENV, "вчера")
    with pytest.raises(BuildDateError, match="целое число секунд"):
        build_date()
    assert build(processed=tmp_path, reports=tmp_path / "reports") == 2
    err = capsys.readouterr().err
    assert "SOURCE_DATE_EPOCH='вчера'" in err and "Traceback" not in err
    assert not (tmp_path / "reports").exists()
