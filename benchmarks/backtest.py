"""Backtest of a refactor: the demo compendium's outputs before and after, compared.

Usage::

    python benchmarks/backtest.py save   BUILD_ROOT SNAPSHOT_DIR   # before the change
    python benchmarks/backtest.py compare BUILD_ROOT SNAPSHOT_DIR  # after it

``BUILD_ROOT`` is a checkout where ``make compendium`` has run. A snapshot holds every
derived table (parquet), the canonical tables and every page's text (HTML without tags,
images and scripts: charts are compared through the tables they draw). ``compare`` prints,
per table and per page, equal or what differs, and exits 1 on any difference, so that a
refactor either changes nothing or every difference is explained in its commit.

Build both with the same pseudonym salt (``SOKO_PSEUDONYM_SALT_FILE`` pointing at the first
checkout's ``.secrets/`` salt): otherwise ОГЭ/ЕГЭ ``participant_id`` differ by design, and
with them the order of rows summed in cross-procedure means (differences of ~1e-16).
"""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

_TAG = re.compile(r"<[^>]+>")
_DROP = re.compile(r"<(script|style)\b.*?</\1>|<img\b[^>]*>", re.S | re.I)


def page_text(path: Path) -> str:
    """What a reader sees of a page, as text: tags, images, styles and scripts removed."""
    text = _DROP.sub(" ", path.read_text(encoding="utf-8"))
    text = html.unescape(_TAG.sub(" ", text))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def save(root: Path, snap: Path) -> None:
    if snap.exists():
        shutil.rmtree(snap)
    processed = root / "data" / "processed"
    for sub in ("derived", "."):
        out = snap / "tables" / sub
        out.mkdir(parents=True, exist_ok=True)
        for table in sorted((processed / sub).glob("*.parquet")):
            shutil.copy2(table, out / table.name)
    pages = snap / "pages"
    pages.mkdir(parents=True)
    for page in sorted((root / "reports").rglob("*.html")):
        rel = page.relative_to(root / "reports").as_posix().replace("/", "__")
        (pages / f"{rel}.txt").write_text(page_text(page), encoding="utf-8")
    n_tables = len(list((snap / "tables").rglob("*.parquet")))
    print(f"saved {n_tables} tables and {len(list(pages.iterdir()))} pages to {snap}")


def _table_diff(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    if list(a.columns) != list(b.columns):
        return f"columns {sorted(set(a.columns) ^ set(b.columns))} differ"
    if len(a) != len(b):
        return f"rows {len(a)} -> {len(b)}"
    if a.equals(b):
        return None
    if a.dtypes.to_dict() != b.dtypes.to_dict():
        return "dtypes differ"
    bad = [c for c in a.columns if not a[c].equals(b[c])]
    return f"values differ in {bad}"


def compare(root: Path, snap: Path) -> int:
    processed = root / "data" / "processed"
    differences = 0
    for before in sorted((snap / "tables").rglob("*.parquet")):
        sub = before.parent.name if before.parent.name == "derived" else "."
        after = processed / sub / before.name
        name = f"{sub}/{before.stem}".lstrip("./")
        if not after.is_file():
            print(f"MISSING table {name}")
            differences += 1
            continue
        diff = _table_diff(pd.read_parquet(before), pd.read_parquet(after))
        if diff:
            print(f"DIFF    table {name}: {diff}")
            differences += 1
    new_tables = {p.name for p in (processed / "derived").glob("*.parquet")} - {
        p.name for p in (snap / "tables" / "derived").glob("*.parquet")
    }
    for name in sorted(new_tables):
        print(f"NEW     table derived/{name}")
    pages_after = {
        p.relative_to(root / "reports").as_posix().replace("/", "__") + ".txt": p
        for p in (root / "reports").rglob("*.html")
    }
    for before in sorted((snap / "pages").glob("*.txt")):
        page = pages_after.get(before.name)
        if page is None:
            print(f"MISSING page {before.stem}")
            differences += 1
            continue
        old, new = before.read_text(encoding="utf-8"), page_text(page)
        if old != new:
            old_lines, new_lines = old.splitlines(), new.splitlines()
            pairs = zip(old_lines, new_lines, strict=False)
            changed = [i for i, (x, y) in enumerate(pairs) if x != y]
            first = changed[0] if changed else min(len(old_lines), len(new_lines))
            print(f"DIFF    page {before.stem}: first at line {first + 1}:")
            print(f"          before: {old_lines[first] if first < len(old_lines) else '∅'}")
            print(f"          after:  {new_lines[first] if first < len(new_lines) else '∅'}")
            differences += 1
    for name in sorted(set(pages_after) - {p.name for p in (snap / "pages").glob("*.txt")}):
        print(f"NEW     page {name.removesuffix('.txt')}")
    n = len(list((snap / "tables").rglob("*.parquet"))) + len(list((snap / "pages").glob("*")))
    print(f"compared {n} tables and pages: {differences} differ")
    return 1 if differences else 0


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("save", "compare"):
        print(__doc__)
        return 2
    root, snap = Path(argv[1]), Path(argv[2])
    if argv[0] == "save":
        save(root, snap)
        return 0
    return compare(root, snap)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
