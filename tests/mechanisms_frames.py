"""Hand-made municipal form tables (``mechanism_values``, ``mechanism_stages``) for the
mechanisms tests and pages, until the forms branch's demo lands: seeded, so the same call
gives the same frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.procedures.mechanisms.settings import STAGES, MechanismsFile


def form_frames(
    settings: MechanismsFile, municipalities: list[str], years: list[int], seed: int = 12
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values for every form indicator and evidence of the stages: each municipality × year
    confirms a run of stages from the first and stops somewhere (or completes the cycle)."""
    rng = np.random.default_rng(seed)
    values, stages = [], []
    for year in years:
        for m in municipalities:
            for d_code in settings.directions:
                for code, ind in settings.form_indicators(d_code).items():
                    low, high = ind.bounds
                    if ind.kind == "yesno":
                        v = float(rng.integers(0, 2))
                    else:
                        v = float(
                            np.round(rng.uniform(low or 0, high if high is not None else 10), 1)
                        )
                    values.append(
                        {"year": year, "municipality_code": m, "direction": d_code,
                         "indicator": code, "value": v, "comment": ""}
                    )  # fmt: skip
                reach = int(rng.integers(4, len(STAGES) + 1))
                for i, stage in enumerate(STAGES):
                    done = i < reach
                    stages.append(
                        {"year": year, "municipality_code": m, "direction": d_code,
                         "stage": stage, "done": done,
                         "document": f"https://mouo-{m}.example/{d_code}/{stage}" if done else ""}
                    )  # fmt: skip
    return pd.DataFrame(values), pd.DataFrame(stages)
