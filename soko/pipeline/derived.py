"""Computing one derived table: a build task (it runs in a worker process, by name)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.config import region
from soko.derive import DERIVED, output_path
from soko.registry import derived_table
from soko.school_registry import table_to_today

PERIODS = "school_periods"


def read_input(table: str, processed: Path) -> pd.DataFrame:
    """One input of a derived table. With ``boundaries: today`` (config/region.yml, the
    default) canonical results are read in today's boundaries — a merged school's history
    under its successor, a former district's schools in today's municipality — so every
    indicator, dynamics table and value-added model gets them without knowing it; with
    ``boundaries: year``, as each year's registry had them (as ingested)."""
    frame = pd.read_parquet(processed / f"{table}.parquet")
    periods = processed / f"{PERIODS}.parquet"
    if table.startswith(f"{DERIVED}/") or region().boundaries != "today" or not periods.is_file():
        return frame
    return table_to_today(table, frame, pd.read_parquet(periods))


def derive_table(name: str, processed: str | Path) -> None:
    """Compute one derived table from the tables it declares and write it."""
    spec = derived_table(name)
    processed = Path(processed)
    present = spec.present_inputs(processed)
    frames = {
        t.rsplit("/", 1)[-1]: read_input(t, processed) if t in present else pd.DataFrame()
        for t in spec.inputs
    }
    table = spec.compute(**frames)
    out = output_path(processed, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
