"""The build's content-keyed task cache: a task whose inputs did not change is not run again.

A task's *full key* is the digest of its static fingerprint (code, parameters, configuration,
locked dependencies — fixed when the build is planned, see ``Task.fingerprint``) and of the
content of each declared input file at the moment the task is ready to run. Inputs written
earlier in the same build are digested then, after they were written, so a derived table
rewritten with identical bytes gives its pages the same key as before: the rebuild stops
there instead of cascading (content, not timestamps).

Per task the cache keeps the full key of its last successful run, the digest of each output
it wrote and how long it took. A task is reused when its key matches *and* its outputs still
have those digests (a page deleted or edited by hand is rebuilt). The durations also feed the
progress estimate. Everything lives in ``data/processed/cache/`` (``make clean`` removes it)
as JSON, written atomically after every recorded task, so a build killed half-way keeps what
it did. File digests come from :class:`soko.pipeline.fingerprint.DigestCache`, remembered by
size, mtime and inode: a no-op rebuild reads no table again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soko.pipeline.fingerprint import DigestCache, digest_bytes, digest_json
from soko.pipeline.graph import Graph, Task

#: Folder of the cache inside the processed folder.
CACHE_DIR = "cache"
TASKS_FILE = "tasks.json"
DIGESTS_FILE = "digests.json"
#: Bumped when the meaning of a key changes: every recorded run becomes unknown.
FORMAT = 1

#: Seconds assumed for a task of a kind never seen run (before any build was recorded).
DEFAULT_SECONDS = {"derive": 1.0, "notebook": 6.0, "render": 0.3}
FALLBACK_SECONDS = 2.0


@dataclass(frozen=True)
class CacheEntry:
    """The last successful run of one task."""

    key: str
    outputs: dict[str, str]  # output path -> digest of what the task wrote
    seconds: float


def cache_dir(processed: Path) -> Path:
    return Path(processed) / CACHE_DIR


def task_kind(name: str) -> str:
    """``derive`` for ``derive:vpr_marks``: tasks of one kind take comparable time."""
    return name.partition(":")[0]


def task_fingerprint(
    task_action: Any, args: Iterable[Any], kwargs: Mapping[str, Any], **parts: Any
) -> str:
    """A task's static fingerprint: its action by qualified name, its arguments and ``parts``
    (code digests, configuration, lock…). Values that are not JSON (paths) count by ``str``;
    a value whose text differs between runs (an object's address) only costs a rerun."""
    module = getattr(task_action, "__module__", "?")
    action = f"{module}.{getattr(task_action, '__qualname__', '?')}"
    return digest_json({"action": action, "args": list(args), "kwargs": dict(kwargs), **parts})


class TaskCache:
    """Recorded task runs under ``folder`` (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / TASKS_FILE
        self.digests = DigestCache(self.folder / DIGESTS_FILE)
        self._entries: dict[str, CacheEntry] = self._load()

    @classmethod
    def for_processed(cls, processed: Path) -> TaskCache:
        return cls(cache_dir(processed))

    def _load(self) -> dict[str, CacheEntry]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # no cache yet, or a damaged one: every task runs
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            return {}
        entries: dict[str, CacheEntry] = {}
        for name, item in (raw.get("tasks") or {}).items():
            try:
                entries[str(name)] = CacheEntry(
                    key=str(item["key"]),
                    outputs={str(k): str(v) for k, v in item["outputs"].items()},
                    seconds=float(item["seconds"]),
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        return entries

    # --- keys ---------------------------------------------------------------------------

    def _file(self, path: Path) -> str:
        try:
            return self.digests.file(path) or "-"
        except OSError:
            return "?"  # unreadable now: the task will say why when it runs

    def key(self, task: Task) -> str | None:
        """Static fingerprint + the current content of every declared input."""
        if task.fingerprint is None:
            return None
        parts = [task.fingerprint]
        for path in task.inputs:
            parts += [str(path), self._file(path)]
        return digest_bytes(*parts)

    def reusable(self, task: Task, key: str) -> bool:
        entry = self._entries.get(task.name)
        if entry is None or entry.key != key:
            return False
        if set(entry.outputs) != {str(p) for p in task.outputs}:
            return False
        return all(self._file(p) == entry.outputs[str(p)] for p in task.outputs)

    # --- records ------------------------------------------------------------------------

    def record(self, task: Task, key: str | None, seconds: float) -> None:
        if key is None:
            return
        outputs = {str(p): self._file(p) for p in task.outputs}
        self._entries[task.name] = CacheEntry(key, outputs, round(float(seconds), 3))
        self.save()

    def forget(self, name: str) -> None:
        if self._entries.pop(name, None) is not None:
            self.save()

    def entry(self, name: str) -> CacheEntry | None:
        return self._entries.get(name)

    def seconds(self, name: str) -> float | None:
        """How long the task's last recorded run took."""
        entry = self._entries.get(name)
        return entry.seconds if entry is not None else None

    def save(self) -> None:
        """Write the records and the file digests, each atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT,
            "tasks": {
                name: {"key": e.key, "outputs": e.outputs, "seconds": e.seconds}
                for name, e in sorted(self._entries.items())
            },
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
        os.replace(tmp, self.path)
        self.digests.save()

    # --- estimates ----------------------------------------------------------------------

    def estimates(self, graph: Graph, force: bool = False) -> dict[str, float]:
        """Expected seconds of each task of ``graph`` in this build.

        A task expected to be reused counts 0: its key matches with the files as they are now
        and nothing upstream is expected to run (a rerun upstream may change its inputs, so it
        is counted as running — the estimate errs long when a table comes out identical).
        Tasks never recorded take the mean of recorded ones of the same kind.
        """
        known: dict[str, list[float]] = {}
        for name, entry in self._entries.items():
            known.setdefault(task_kind(name), []).append(entry.seconds)
        everything = [s for values in known.values() for s in values]
        overall = sum(everything) / len(everything) if everything else None

        def typical(name: str) -> float:
            values = known.get(task_kind(name))
            if values:
                return sum(values) / len(values)
            if overall is not None:
                return overall
            return DEFAULT_SECONDS.get(task_kind(name), FALLBACK_SECONDS)

        deps = graph.dependencies()
        runs: dict[str, bool] = {}
        result: dict[str, float] = {}
        for name in graph.order():
            task = graph[name]
            upstream = any(runs[d] for d in deps[name])
            recorded = name in self._entries  # never recorded: runs, no need to read its inputs
            key = self.key(task) if recorded and not (force or upstream) else None
            runs[name] = key is None or not self.reusable(task, key)
            seconds = self.seconds(name)
            if seconds is None:
                seconds = typical(name)
            result[name] = seconds if runs[name] else 0.0
        return result
