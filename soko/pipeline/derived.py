"""Computing one derived table: a build task (it runs in a worker process, by name)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.derive import output_path
from soko.registry import derived_table


def derive_table(name: str, processed: str | Path) -> None:
    """Compute one derived table from the tables it declares and write it."""
    spec = derived_table(name)
    processed = Path(processed)
    present = spec.present_inputs(processed)
    frames = {
        t.rsplit("/", 1)[-1]: pd.read_parquet(processed / f"{t}.parquet")
        if t in present
        else pd.DataFrame()
        for t in spec.inputs
    }
    table = spec.compute(**frames)
    out = output_path(processed, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)
