"""Content fingerprints: the pieces the build cache keys on."""

from __future__ import annotations

import os
from pathlib import Path

from soko.pipeline import fingerprint as fp


def test_digest_parts_are_length_prefixed() -> None:
    assert fp.digest_bytes("ab", "c") != fp.digest_bytes("a", "bc")
    assert fp.digest_bytes("x") == fp.digest_bytes(b"x")


def test_digest_json_ignores_dict_order() -> None:
    assert fp.digest_json({"a": 1, "b": [1, 2]}) == fp.digest_json({"b": [1, 2], "a": 1})
    assert fp.digest_json({"a": 1}) != fp.digest_json({"a": 2})


def test_digest_cache_keys_on_content_not_time(tmp_path: Path) -> None:
    f = tmp_path / "t.parquet"
    f.write_bytes(b"one")
    store = tmp_path / "cache" / "digests.json"
    cache = fp.DigestCache(store)
    first = cache.file(f)
    assert first == fp.digest_file(f)
    # same bytes rewritten later: same digest
    f.write_bytes(b"one")
    os.utime(f, ns=(1, 1))
    assert cache.file(f) == first
    f.write_bytes(b"two")
    assert cache.file(f) != first
    cache.save()
    again = fp.DigestCache(store)
    assert again.file(f) == fp.digest_file(f)
    f.unlink()
    assert again.file(f) is None


def test_imports_follow_from_package_import_module() -> None:
    found = fp.imports_in_source("from soko import plots\nimport soko.derive as d\nimport os\n")
    assert {"soko.plots", "soko.derive"} <= found
    assert not any(not m.startswith("soko") for m in found)


def test_closure_is_transitive_and_includes_parent_packages() -> None:
    closure = fp.module_closure(["soko.pipeline.derived"])
    # derived imports soko.derive, which imports soko.declared_reads
    assert {"soko.pipeline.derived", "soko.derive", "soko.declared_reads", "soko"} <= set(closure)
    assert "soko.pipeline" in closure
    # not everything: the demo generator is not imported by derived-table computing
    assert "soko.demo.vpr" not in closure


def test_code_digest_changes_with_an_imported_module_only(tmp_path: Path, monkeypatch) -> None:
    files = dict(fp.module_files())
    copy = tmp_path / "declared_reads.py"
    copy.write_text(files["soko.declared_reads"].read_text(encoding="utf-8") + "\n# edit\n")
    before_derived = fp.code_digest(["soko.derive"])
    before_other = fp.code_digest(["soko.paths"])
    monkeypatch.setitem(files, "soko.declared_reads", copy)
    monkeypatch.setattr(fp, "module_files", lambda: files)
    assert fp.code_digest(["soko.derive"]) != before_derived
    assert fp.code_digest(["soko.paths"]) == before_other


def test_notebook_imports_skip_magics(tmp_path: Path) -> None:
    nb = tmp_path / "t.ipynb"
    nb.write_text(
        '{"cells": [{"cell_type": "code", "source": ["%matplotlib inline\\n", '
        '"from soko import notebook\\n"]}, {"cell_type": "markdown", "source": "import x"}]}',
        encoding="utf-8",
    )
    assert fp.notebook_imports(nb) == {"soko", "soko.notebook"}
