"""Where a build comes from (soko.provenance): one date, the commit, the versions; the
footer that shows them. Fast: a throwaway git repository, no build."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from soko import provenance
from soko.provenance import EPOCH_ENV, BuildDate, Commit, Provenance, build_date, commit
from soko.report.html import render_page
from soko.report.manifest import footer_facts
from tests.test_html import executed_notebook

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git не установлен")
#: 2021-03-04 05:06:07 UTC, the throwaway repository's commit time.
COMMIT_TIME = 1614834367


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_AUTHOR_DATE": f"@{COMMIT_TIME} +0300",
        "GIT_COMMITTER_DATE": f"@{COMMIT_TIME} +0300",
    }
    done = subprocess.run(
        [str(GIT), "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a", encoding="utf-8")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_source_date_epoch_comes_first(repo: Path) -> None:
    date = build_date(repo, environ={EPOCH_ENV: "1700000000"})
    assert date.source == EPOCH_ENV
    assert date.moment == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)
    assert date.iso == "2023-11-14T22:13:20Z"
    assert date.ru() == "14 ноября 2023 г., 22:13 UTC"


@needs_git
def test_without_it_the_date_is_the_commits_and_the_same_every_time(repo: Path) -> None:
    first, again = build_date(repo, environ={}), build_date(repo, environ={})
    assert first == again
    assert first.source == "git" and first.epoch == COMMIT_TIME
    assert first.iso == "2021-03-04T05:06:07Z"  # UTC, whatever the committer's zone


@needs_git
def test_the_commit_and_whether_the_tree_differs_from_it(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert commit(repo) == Commit(head, dirty=False)
    (repo / "a.txt").write_text("b", encoding="utf-8")
    assert commit(repo) == Commit(head, dirty=True)
    git(repo, "checkout", "-q", "a.txt")
    (repo / "new_module.py").write_text("", encoding="utf-8")  # untracked counts too
    found = commit(repo)
    assert found is not None and found.dirty
    assert found.ru() == f"{head[:10]} (изменён)"


def test_without_git_the_date_is_today_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provenance.shutil, "which", lambda name: None)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    date = build_date(tmp_path, environ={})
    assert date.source == "today" and before <= date.moment
    assert date.note == "git не установлен"
    assert "git не установлен" in date.source_ru()
    assert commit(tmp_path) is None


@needs_git
def test_a_folder_that_is_not_a_checkout_is_named_as_such(tmp_path: Path) -> None:
    date = build_date(tmp_path, environ={})
    assert date.source == "today"
    assert date.note is not None and "не git-репозиторий" in date.note


def test_runtime_versions_are_the_locked_runtime_set() -> None:
    found = provenance.runtime_versions()
    assert found["python"] == provenance.python_version()
    for name in ("pandas", "jinja2", "markupsafe", "pyarrow"):  # direct and transitive
        assert found[name] == metadata.version(name)
    for dev in ("pytest", "ruff", "import-linter"):  # the dev group is not shipped
        assert dev not in found
    assert list(found) == sorted(found)


def test_the_page_footer_shows_the_build_and_each_read_tables_hash(tmp_path: Path) -> None:
    table = tmp_path / "vpr_marks.parquet"
    table.write_bytes(b"not really parquet")
    prov = Provenance(
        date=BuildDate(dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC), EPOCH_ENV),
        commit=Commit("0123456789abcdef0123", dirty=True),
        versions={"soko": "0.1.0", "python": "3.11.7", "pandas": "3.1.1"},
        runtime={},
    )
    out = tmp_path / "page.html"
    render_page(
        executed_notebook(tmp_path / "nb.ipynb"),
        out,
        title="ВПР",
        breadcrumbs=[],
        banner=None,
        provenance=footer_facts(prov),
        reads={"vpr_marks": str(table), "vpr_tasks": str(tmp_path / "missing.parquet")},
    )
    html = out.read_text(encoding="utf-8")
    footer = html[html.index('<footer class="soko-footer">') :]
    short = hashlib.blake2b(table.read_bytes(), digest_size=16).hexdigest()[:12]
    assert "<summary>О сборке: 1 мая 2026 г., 09:30 UTC</summary>" in footer
    assert "коммит 0123456789 (изменён)" in footer
    assert f"vpr_marks <code>{short}</code>" in footer
    assert "vpr_tasks <code>нет файла</code>" in footer
    assert "soko 0.1.0, Python 3.11.7, pandas 3.1.1" in footer
    plain = tmp_path / "plain.html"
    render_page(tmp_path / "nb.ipynb", plain, title="ВПР", breadcrumbs=[], banner=None)
    assert "soko-provenance" not in plain.read_text(encoding="utf-8").split("</style>")[1]
