"""Derived tables: what one is (:class:`DerivedSpec`), where it is written, how a page reads it.

Notebooks cost a kernel start each; they should filter a precomputed table, not
recompute from hundreds of thousands of student rows. Each derived table declares the
canonical tables it reads, so the build graph knows what it depends on. This module is a
leaf (procedures, evaluation models and pages all use it); which derived tables exist is
composed in :mod:`soko.registry`, and computing one is :mod:`soko.pipeline.derived`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.declared_reads import check_read
from soko.timing import TABLES, timed

DERIVED = "derived"


@dataclass(frozen=True)
class Partitioning:
    """How a derived table's heavy stage splits into independent parts (one build task each).

    Declared only where it is exactly true: ``part`` sees the ``split`` inputs restricted to
    one value of ``by`` (e.g. one year) and must not need any other value's rows; ``combine``
    gets the parts concatenated in ``by`` order, as ``parts``, plus every input of the table,
    and does whatever is region-wide (a reference distribution, a model fitted on everyone,
    ranks). The build runs one task per value and one combining task, on whatever executor it
    uses; ``soko.pipeline.derived`` proves nothing, so a test compares the result with the
    whole computation byte for byte.
    """

    by: str
    split: tuple[str, ...]
    part: Callable[..., pd.DataFrame]
    combine: Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class DerivedSpec:
    name: str
    # canonical tables in data/processed/; "derived/<name>" is another derived table (the
    # build runs that one first); compute gets each as a keyword argument named by its last part
    inputs: tuple[str, ...]
    compute: Callable[..., pd.DataFrame]
    # inputs a region may lack (a procedure it does not run): passed as an empty frame
    optional: tuple[str, ...] = ()
    # its heavy stage can run as independent parts (one build task per value of a column)
    partition: Partitioning | None = None

    def present_inputs(self, processed: Path) -> tuple[str, ...]:
        """The inputs to read: every required one, and each optional one that exists.

        An optional *derived* input is always kept: the build makes it before this table, and
        on a fresh build its file does not exist yet when the graph is planned — dropping it
        then would compute this table first, silently from an empty frame.
        """
        return tuple(
            t
            for t in self.inputs
            if t not in self.optional
            or t.startswith(f"{DERIVED}/")
            or (Path(processed) / f"{t}.parquet").is_file()
        )


def output_path(processed: Path, name: str) -> Path:
    return Path(processed) / DERIVED / f"{name}.parquet"


def part_path(processed: Path, name: str, value: object) -> Path:
    """Where one part of a partitioned derived table is written (read by its combining task).

    A pickle, not parquet: the part must come back with exactly the dtypes it was computed
    with (parquet turns an object column of strings into ``str``, which the final table's
    parquet metadata would then record), or the combined table would differ from the whole.
    Written and read only by the build's own tasks.
    """
    return Path(processed) / DERIVED / "parts" / name / f"{value}.pkl"


@timed(TABLES)
def load(name: str, processed: str | Path) -> pd.DataFrame:
    check_read(name)  # in the build, a page reads only the tables pages.yml declares for it
    path = output_path(Path(processed), name)
    if not path.is_file():
        raise FileNotFoundError(
            f"Нет производной таблицы {path}: выполните `soko build` (или `make compendium`)."
        )
    return pd.read_parquet(path)
