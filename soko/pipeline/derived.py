"""Computing one derived table: a build task (it runs in a worker process, by name).

A table whose spec declares a :class:`~soko.derive.Partitioning` can also be computed as
one task per partition (:func:`derive_part`) and a combining task (:func:`derive_combined`);
:func:`derive_table` always computes it whole, and the two agree byte for byte (tested).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.config import region
from soko.derive import DERIVED, DerivedSpec, output_path, part_path
from soko.registry import derived_table
from soko.school_registry import table_to_today

PERIODS = "school_periods"


def read_input(
    table: str, processed: Path, where: tuple[str, object] | None = None
) -> pd.DataFrame:
    """One input of a derived table. With ``boundaries: today`` (config/region.yml, the
    default) canonical results are read in today's boundaries — a merged school's history
    under its successor, a former district's schools in today's municipality — so every
    indicator, dynamics table and value-added model gets them without knowing it; with
    ``boundaries: year``, as each year's registry had them (as ingested).

    ``where`` = (column, value) keeps only those rows (one partition), before the mapping to
    today's boundaries: that mapping is row by row, so the rows are those filtering after
    would give, at a fraction of the memory.
    """
    if where is None:
        frame = pd.read_parquet(processed / f"{table}.parquet")
    else:  # read only the partition's rows: a part's peak memory is its share, not the whole
        frame = pd.read_parquet(
            processed / f"{table}.parquet", filters=[(where[0], "==", where[1])]
        ).reset_index(drop=True)
    periods = processed / f"{PERIODS}.parquet"
    if table.startswith(f"{DERIVED}/") or region().boundaries != "today" or not periods.is_file():
        return frame
    return table_to_today(table, frame, pd.read_parquet(periods))


def _frames(spec: DerivedSpec, processed: Path) -> dict[str, pd.DataFrame]:
    """Every input of ``spec`` by its keyword name; an absent optional one as an empty frame."""
    present = spec.present_inputs(processed)
    return {
        t.rsplit("/", 1)[-1]: read_input(t, processed) if t in present else pd.DataFrame()
        for t in spec.inputs
    }


def derive_table(name: str, processed: str | Path) -> None:
    """Compute one derived table from the tables it declares and write it."""
    spec = derived_table(name)
    processed = Path(processed)
    table = spec.compute(**_frames(spec, processed))
    out = output_path(processed, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)


def partition_values(name: str, processed: str | Path) -> list[object]:
    """The values of a partitioned table's ``by`` column in its first split input, sorted;
    empty when the table is not partitioned or that input does not exist yet."""
    spec = derived_table(name)
    if spec.partition is None:
        return []
    path = Path(processed) / f"{spec.partition.split[0]}.parquet"
    if not path.is_file():
        return []
    column = pd.read_parquet(path, columns=[spec.partition.by])[spec.partition.by]
    return sorted(v.item() if hasattr(v, "item") else v for v in column.dropna().unique())


def derive_part(name: str, processed: str | Path, value: object) -> None:
    """Compute one partition of a partitioned table's heavy stage and write it."""
    spec = derived_table(name)
    assert spec.partition is not None, name
    processed = Path(processed)
    frames = {
        t.rsplit("/", 1)[-1]: read_input(t, processed, (spec.partition.by, value))
        for t in spec.partition.split
    }
    part = spec.partition.part(**frames)
    out = part_path(processed, name, value)
    out.parent.mkdir(parents=True, exist_ok=True)
    part.to_pickle(out)


def derive_combined(name: str, processed: str | Path, values: list[object]) -> None:
    """Combine the parts of a partitioned table (in ``values`` order) with its region-wide
    stage and write the table where :func:`derive_table` would."""
    spec = derived_table(name)
    assert spec.partition is not None, name
    processed = Path(processed)
    parts = [pd.read_pickle(part_path(processed, name, v)) for v in values]
    parts = [p for p in parts if len(p.columns)]
    combined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    table = spec.partition.combine(parts=combined, **_frames(spec, processed))
    out = output_path(processed, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
