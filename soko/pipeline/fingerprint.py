"""Content fingerprints: what the build cache keys a task on.

A task's result depends on its code, its parameters, the content of the files it reads, the
configuration and the locked dependency set. Each of those is reduced here to a short hex
digest (BLAKE2b, 128 bits), so a key is a digest of digests. Content, never timestamps: a
derived table rewritten with identical bytes has the same digest, which is what stops a
rebuild from cascading past a table that did not really change.

Code is keyed per task, not per package: :func:`code_digest` hashes the soko modules a
task's entry point imports, followed transitively through the source (AST, including imports
inside functions), so editing one procedure reruns only what imports it. The one import the
AST cannot see, :mod:`soko.registry` discovering procedure packages by name, is not followed;
a task's own compute function is named explicitly by the caller instead.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

#: Bytes per digest (32 hex characters): collisions are not a practical concern for a cache.
DIGEST_SIZE = 16
_CHUNK = 1 << 20
PACKAGE = "soko"


def digest_bytes(*parts: bytes | str) -> str:
    """Digest of several parts; each is length-prefixed, so ("ab", "c") != ("a", "bc")."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def digest_json(value: object) -> str:
    """Digest of a JSON-able value (parameters, settings), independent of dict order."""
    return digest_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def digest_file(path: str | os.PathLike[str]) -> str:
    """Digest of a file's bytes, read in chunks (a canonical table can be large)."""
    h = hashlib.blake2b(digest_size=DIGEST_SIZE)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class DigestCache:
    """File digests remembered by (size, mtime_ns, inode), optionally kept in a JSON file.

    A no-op rebuild must not read every table again to learn that nothing changed: a file
    whose size, modification time and inode are unchanged keeps its remembered digest. The
    digest itself is still of content, so a file rewritten with the same bytes (new mtime)
    is read once and found unchanged.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._entries: dict[str, list[object]] = {}
        if self.path is not None and self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            if isinstance(loaded, dict):
                self._entries = loaded

    def file(self, path: str | os.PathLike[str]) -> str | None:
        """The digest of ``path``'s content, or ``None`` when it does not exist."""
        key = os.path.abspath(path)
        try:
            st = os.stat(key)
        except FileNotFoundError:
            self._entries.pop(key, None)
            return None
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self._entries.get(key)
        if known is not None and known[:3] == stamp:
            return str(known[3])
        digest = digest_file(key)
        self._entries[key] = [*stamp, digest]
        return digest

    def save(self) -> None:
        """Write the remembered digests (atomically) when a path was given."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(self._entries, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


# --- code --------------------------------------------------------------------------------


def package_dir() -> Path:
    """The folder of the soko package whose sources are hashed (this installation's)."""
    return Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def module_files() -> dict[str, Path]:
    """Every soko module name -> its source file (packages by their ``__init__.py``)."""
    root = package_dir()
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_in_source(source: str, current: str = "", is_package: bool = False) -> set[str]:
    """soko modules imported anywhere in ``source`` (top level or inside functions)."""
    modules = module_files()
    found: set[str] = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, current, is_package)
            # ``from soko import plots`` imports the module soko.plots, not just soko
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        for name in names:
            if name != PACKAGE and not name.startswith(PACKAGE + "."):
                continue
            # a module, or its nearest enclosing package that exists
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


@cache
def module_imports(name: str) -> frozenset[str]:
    """The soko modules ``name`` imports directly, plus the packages it lives in (importing
    ``soko.a.b`` runs ``soko/a/__init__.py`` first)."""
    path = module_files()[name]
    found = imports_in_source(
        path.read_text(encoding="utf-8"), name, is_package=path.name == "__init__.py"
    )
    parts = name.split(".")
    found |= {".".join(parts[:i]) for i in range(1, len(parts))}
    found.discard(name)
    return frozenset(found)


def module_closure(names: Iterable[str]) -> list[str]:
    """``names`` and every soko module they import, transitively, sorted."""
    modules = module_files()
    seen: set[str] = set()
    stack = [n for n in names if n in modules]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(m for m in module_imports(name) if m not in seen)
    return sorted(seen)


def code_digest(names: Iterable[str]) -> str:
    """Digest of the sources of ``names`` and everything they import from soko."""
    files = module_files()
    parts: list[str] = []
    for name in module_closure(names):
        parts += [name, digest_file(files[name])]
    return digest_bytes(*parts)


def notebook_code(path: Path) -> str:
    """The code of a notebook template (``.ipynb``'s code cells, or a jupytext ``.py``)."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix != ".ipynb":
        return text
    cells = json.loads(text).get("cells", [])
    sources = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        # IPython magics and shell escapes are not Python: drop them before parsing
        lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        sources.append("\n".join(lines))
    return "\n".join(sources)


def notebook_imports(path: Path) -> set[str]:
    """soko modules a notebook template imports."""
    return imports_in_source(notebook_code(path))


# --- environment --------------------------------------------------------------------------


def files_digest(paths: Iterable[Path], root: Path | None = None) -> str:
    """Digest of several files by name (relative to ``root``) and content; missing ones count."""
    parts: list[str] = []
    for path in sorted(Path(p) for p in paths):
        name = str(path.relative_to(root)) if root is not None else str(path)
        parts += [name, digest_file(path) if path.is_file() else "-"]
    return digest_bytes(*parts)


def lock_digest(root: Path) -> str:
    """The locked dependency set: ``uv.lock`` and ``pyproject.toml``."""
    return files_digest([root / "uv.lock", root / "pyproject.toml"], root)


def config_digest(config: Path) -> str:
    """Every configuration file of ``config/`` (tasks are not told which ones they read, so a
    task keys on all of them; a derived table that comes out identical stops the rerun)."""
    return files_digest(sorted(Path(config).glob("*.yml")), Path(config))
