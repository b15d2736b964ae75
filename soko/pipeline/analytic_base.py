"""The analytic base: every procedure's results in one DuckDB file, queried with SQL.

Roadmap 3.1 of the regional decree (004_*) asks to integrate the results of all procedures
into one analytic base. ``data/processed/soko.duckdb`` is rebuilt from the canonical parquet
tables by ``soko ingest`` when one of them changed (:func:`refresh_analytic_base`): shared
dimensions (``schools``, ``municipalities``, ``years``, ``procedures``), one ``results``
table in the cross-procedure shape of :mod:`soko.unified`, ``tasks`` and ``task_scores``
views over the procedures that have them, every canonical table under its own name, and
aggregate views. The schema is documented in ``docs/analytic_base.md``. The base holds
student rows: it stays in ``data/processed/``, like the parquet tables, and anything
published from it goes through suppression.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from soko.config import region
from soko.paths import config_dir, processed_dir
from soko.pipeline.fingerprint import digest_json
from soko.pipeline.ingest_state import BASE_FILE, Digests, cache_dir
from soko.registry import all_schemas, discover, unified_results
from soko.timing import TABLES, timed

if TYPE_CHECKING:
    import duckdb

BASE_MARK = "analytic_base.json"  # under the ingest cache: what the base was built from
_KEYS = {"year": "BIGINT", "subject": "VARCHAR", "grade": "BIGINT"}
# The union views: column -> SQL type (every procedure's table is cast to it).
TASK_COLUMNS = {
    **_KEYS,
    "task": "VARCHAR",
    "task_order": "BIGINT",
    "max_score": "BIGINT",
    "level": "VARCHAR",
}
TASK_SCORE_COLUMNS = {
    **_KEYS,
    "school_code": "VARCHAR",
    "participant_code": "VARCHAR",
    "task": "VARCHAR",
    "score": "BIGINT",
}
# Aggregate views: name -> the columns a row of it stands for.
UNIT_VIEWS: dict[str, tuple[str, ...]] = {
    "school_year_results": ("municipality_code", "school_code"),
    "municipality_year_results": ("municipality_code",),
    "region_year_results": (),
}
_METRICS = """
    count(*) AS n_participants,
    count(mark) AS n_marked,
    avg(mark) AS mean_mark,
    avg(CASE WHEN passed THEN 1.0 WHEN NOT passed THEN 0.0 END) AS success_rate,
    avg(CASE WHEN mark >= 4 THEN 1.0 WHEN mark IS NOT NULL THEN 0.0 END) AS quality_rate,
    avg(primary_score) AS mean_primary_score,
    avg(primary_score / nullif(max_primary_score, 0)) AS mean_score_share,
    avg(scaled_score) AS mean_scaled_score"""


def base_path(processed: Path | str | None = None) -> Path:
    return Path(processed or processed_dir()) / BASE_FILE


class _Tables(Mapping[str, pd.DataFrame]):
    """Canonical tables read on first use: a procedure's unified rows need two or three of
    them, not the millions of task scores."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self._paths = paths
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            self._read[name] = pd.read_parquet(self._paths[name])
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def procedures() -> list[tuple[str, str, str]]:
    """(code, title, main table) of every procedure, ВПР first."""
    return [(p.code, p.title, p.main_table) for p in discover()]


def procedure_table(results: pd.DataFrame) -> pd.DataFrame:
    """Code, title and main table of every procedure, with its rows in ``results``."""
    table = pd.DataFrame(procedures(), columns=["procedure", "title", "results_table"])
    counts = results["procedure"].value_counts()
    table["n_results"] = [int(counts.get(c, 0)) for c in table["procedure"]]
    return table.astype({"procedure": "string", "title": "string", "results_table": "string"})


def municipalities(schools: pd.DataFrame) -> pd.DataFrame:
    """Municipalities of the config (in its order), then any other the registry names, with
    the number of the registry's schools in each."""
    names = dict(region().municipalities)
    registry = schools.dropna(subset=["municipality_code"])
    extra = registry[~registry["municipality_code"].isin(names)]
    names.update(zip(extra["municipality_code"], extra["municipality_name"], strict=True))
    counts = registry["municipality_code"].value_counts()
    return pd.DataFrame(
        {
            "municipality_code": pd.Series(list(names), dtype="string"),
            "municipality_name": pd.Series(list(names.values()), dtype="string"),
            "n_schools": pd.Series([int(counts.get(c, 0)) for c in names], dtype="int64"),
        }
    )


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _union_view(
    con: duckdb.DuckDBPyConnection, view: str, suffix: str, columns: dict[str, str]
) -> None:
    """``view`` = every procedure's ``<code>_<suffix>`` table that has ``columns``, stacked
    under a ``procedure`` column (empty, but typed, when none has)."""
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    schemas = all_schemas()
    cast_columns = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
    selects = [
        f"SELECT '{code}' AS procedure, {cast_columns} FROM {code}_{suffix}"
        for code, _, _ in procedures()
        if f"{code}_{suffix}" in present and set(columns) <= set(schemas[f"{code}_{suffix}"])
    ]
    empty = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
    selects = selects or [f"SELECT CAST(NULL AS VARCHAR) AS procedure, {empty} WHERE false"]
    con.execute(f"CREATE VIEW {view} AS " + "\nUNION ALL\n".join(selects))


def _write(con: duckdb.DuckDBPyConnection, processed: Path) -> None:
    paths = {
        name: processed / f"{name}.parquet"
        for name in all_schemas()
        if (processed / f"{name}.parquet").is_file()
    }
    if "schools" not in paths:
        raise FileNotFoundError(
            f"Нет канонических таблиц в {processed}: сначала выполните `soko ingest`."
        )
    for name, path in paths.items():
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet({_quoted(path)})")
    tables = _Tables(paths)
    results = unified_results(tables)
    years = sorted(set(region().years) | {int(y) for y in results["year"].unique()})
    frames = {
        "results": results,
        "procedures": procedure_table(results),
        "municipalities": municipalities(tables["schools"]),
        "years": pd.DataFrame({"year": pd.Series(years, dtype="int64")}),
    }
    for name, frame in frames.items():
        con.register("_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
        con.unregister("_frame")
    _union_view(con, "tasks", "tasks", TASK_COLUMNS)
    _union_view(con, "task_scores", "task_scores", TASK_SCORE_COLUMNS)
    for view, unit in UNIT_VIEWS.items():
        keys = ", ".join(["procedure", "year", "subject", "grade", *unit])
        con.execute(f"CREATE VIEW {view} AS SELECT {keys},{_METRICS}\nFROM results GROUP BY {keys}")


def build_analytic_base(processed: Path | str) -> Path:
    """Rebuild ``soko.duckdb`` from the canonical tables in ``processed``; return its path.

    Written to a temporary file and renamed over the old base, so a reader never sees a
    half-built base and a failed build leaves the previous one in place.
    """
    import duckdb

    processed = Path(processed)
    target = base_path(processed)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp)) as con:
            _write(con, processed)
            con.execute("CHECKPOINT")
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    return target


def base_key(processed: Path, digests: Digests) -> str:
    """What the base is built from: every canonical table's bytes, the code (the unified
    results come from every procedure) and the configuration (municipality names)."""
    tables = sorted(processed.glob("*.parquet"))
    return digest_json(
        {
            "tables": digests.files(tables, processed),
            "code": digests.code(),
            "config": digests.folder(config_dir(), "*.yml"),
        }
    )


def refresh_analytic_base(processed: Path | str, force: bool = False) -> tuple[Path, bool]:
    """The base rebuilt only when a canonical table it holds (or the code, the
    configuration) changed since it was built; its path and whether it was rebuilt.

    Why: a DuckDB file is not byte-reproducible, so rewriting an unchanged base would make
    everything keyed on it look changed; and rebuilding costs seconds for nothing."""
    processed = Path(processed)
    digests = Digests(processed)
    key = base_key(processed, digests)
    mark = cache_dir(processed) / BASE_MARK
    target = base_path(processed)
    try:
        known = json.loads(mark.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if (
        not force
        and isinstance(known, dict)
        and known.get("key") == key
        and target.is_file()
        and known.get("base") == digests.cache.file(target)
    ):
        digests.save()
        return target, False
    mark.unlink(missing_ok=True)
    build_analytic_base(processed)
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.write_text(json.dumps({"key": key, "base": digests.cache.file(target)}), encoding="utf-8")
    digests.save()
    return target, True


def connect(processed: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """The base, read-only (a notebook cannot change it, and several can read at once)."""
    import duckdb

    path = base_path(processed)
    if not path.is_file():
        raise FileNotFoundError(
            f"Нет аналитической базы {path}: выполните `soko ingest` (или `make compendium`)."
        )
    return duckdb.connect(str(path), read_only=True)


@timed(TABLES)
def query(sql: str, processed: Path | str | None = None, params: Any = None) -> pd.DataFrame:
    """Run one SQL query on the base and return the result as a DataFrame."""
    with connect(processed) as con:
        return con.execute(sql, params).df()
