"""Run the great-expectations suites in ``expectations/`` and turn failures into Problems.

The suites are the contract: each expectation carries in its ``meta`` the rule name, the
file's column and a Russian message, so what a user reads comes from the same place as the
check. great-expectations is imported lazily (about 5 s) and never phones home:
analytics and progress bars are switched off in an in-memory context.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from soko.paths import expectations_dir
from soko.readers.problems import Problem

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


# Rows validated in one great-expectations call. GX builds a boolean mask, the failing values
# and their indices per expectation over the whole frame it is given, so a region's task
# scores in one call took gigabytes; in batches memory is that of one batch, and the fixed
# cost per call (about half a second) stays small against a million rows.
BATCH_ROWS = 1_000_000


class ContractError(RuntimeError):
    """An expectation itself broke (a bug in the contract or in staging), not the data."""


@lru_cache(maxsize=1)
def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    cfg = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    ctx = gx.get_context(mode="ephemeral", project_config=cfg)
    source = ctx.data_sources.add_pandas("soko")
    return source.add_dataframe_asset("staging").add_batch_definition_whole_dataframe("whole")


def suite_definition(kind: str, directory: Path | None = None) -> dict[str, Any]:
    path = (directory or expectations_dir()) / f"{kind}.json"
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=16)
def _suite(kind: str, directory: Path) -> Any:
    import great_expectations as gx

    _batch_definition()  # a suite needs an active context
    spec = suite_definition(kind, directory)
    return gx.ExpectationSuite(
        name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta", {})
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cross_row(kind: str, directory: Path) -> bool:
    """Does the suite have a rule about several rows at once (uniqueness)? Such a suite must
    see the whole frame, so it is never split."""
    spec = suite_definition(kind, directory)
    return any("unique" in e["type"] for e in spec["expectations"])


def validate_frame(
    kind: str,
    frame: pd.DataFrame,
    file: str | None,
    parameters: dict[str, Any] | None = None,
    directory: Path | None = None,
    batch_rows: int = BATCH_ROWS,
) -> list[Problem]:
    """Validate a staging frame; return one Problem per failure.

    The frame must have ``source_row``; with ``file=None`` it must also have ``source_file``,
    so that many files can be checked in one pass (GX has a fixed cost per validation of
    about half a second, whatever the size of the frame). A frame longer than
    ``batch_rows`` is checked in slices of rows when every rule of the suite is about one row
    (a uniqueness rule needs the whole frame); a table-level problem found in several slices
    is reported once.
    """
    where = (directory or expectations_dir()).resolve()
    if len(frame) <= batch_rows or _cross_row(kind, where):
        return _validate(kind, frame, file, parameters, where)
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(frame), batch_rows):
        for p in _validate(kind, frame.iloc[start : start + batch_rows], file, parameters, where):
            if p.row is None:
                if (p.file, p.rule) in seen:
                    continue
                seen.add((p.file, p.rule))
            problems.append(p)
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.rule))


def _validate(
    kind: str,
    frame: pd.DataFrame,
    file: str | None,
    parameters: dict[str, Any] | None,
    directory: Path,
) -> list[Problem]:
    suite = _suite(kind, directory)
    frame = frame.reset_index(drop=True)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        expectation_parameters=parameters or {},
        result_format={"result_format": "COMPLETE"},
    )
    problems: list[Problem] = []
    for res in result.results:
        if res.success:
            continue
        cfg = res.expectation_config
        meta = cfg.meta or {}
        info = res.exception_info or {}
        if info.get("raised_exception"):
            raise ContractError(
                f"expectation {cfg.type} of suite {kind} raised: {info.get('exception_message')}"
            )
        indices = res.result.get("unexpected_index_list")
        if indices is None:  # table-level rule: the whole file (every file in the frame)
            names = [file] if file else sorted(frame["source_file"].unique())
            for name in names:
                problems.append(
                    Problem(name, None, None, meta.get("rule", cfg.type), meta["message"])
                )
            continue
        labelled = meta.get("value_columns")  # {column: Russian label} for pair rules
        single = meta.get("value_column") or cfg.kwargs.get("column") or cfg.kwargs.get("column_A")
        for idx in indices:
            row = frame.iloc[int(idx)]
            column = row[meta["column_from"]] if meta.get("column_from") else meta.get("column")
            if labelled:
                value = ", ".join(f"{label} {_text(row[c])}" for c, label in labelled.items())
            else:
                value = _text(row[single]) if single in frame else None
            problems.append(
                Problem(
                    file=file or str(row["source_file"]),
                    row=int(row["source_row"]),
                    column=column,
                    rule=meta.get("rule", cfg.type),
                    message=meta["message"],
                    value=value,
                )
            )
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.rule))
