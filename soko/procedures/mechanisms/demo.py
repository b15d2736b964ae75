"""Demo municipal forms of the management mechanisms, one per municipality and year.

Each municipality has a latent «management maturity» per direction: its own level, a
direction's deviation from it, and a yearly trend (most municipalities improve, some stand
still or slip). A stage of the cycle is done while the maturity clears that stage's
threshold, and the thresholds rise along the cycle, so a cycle breaks where the maturity
runs out: for a typical municipality at the later stages (measures, management decisions,
the analysis of the effectiveness of measures), for a mature one nowhere, for a weak one
already at monitoring or analysis. The reported indicators follow the same maturity (better
values for a more mature direction, with noise). The truth — maturity, stages done and where
each cycle breaks — goes to ``truth_dir/mechanisms_cycles.parquet``; the forms ingest clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import region
from soko.demo.model import rng_for
from soko.formats.replicate_study.demo import remove_stale
from soko.forms import write_form
from soko.procedure import DemoContext, FormContext
from soko.procedures.mechanisms.form import FOLDER, FORM_CODE, TEMPLATE, mechanism_form
from soko.procedures.mechanisms.settings import STAGES, Indicator, mechanism_settings

TRUTH_FILE = "mechanisms_cycles.parquet"


@dataclass(frozen=True)
class MechanismsDemoParams:
    """Constants of the demo (maturity in latent units)."""

    level_sd: float = 0.8  # municipalities' own level
    direction_sd: float = 0.5  # a direction's deviation from its municipality's level
    noise_sd: float = 0.15  # year to year
    improving_share: float = 0.6
    improving_trend: float = 0.35  # per year
    flat_trend: float = -0.05
    trend_sd: float = 0.1
    # the maturity a stage needs, goals (easiest) → analysis of effectiveness (hardest): a
    # municipality at 0 has done everything up to the targeted recommendations
    first_threshold: float = -2.2
    last_threshold: float = 1.2
    value_slope: float = 1.2  # indicator values: logistic in maturity
    value_noise_sd: float = 0.5
    comment_share: float = 0.1

    @property
    def thresholds(self) -> np.ndarray:
        return np.linspace(self.first_threshold, self.last_threshold, len(STAGES))


def _higher_is_better(indicator: Indicator) -> bool:
    s = indicator.scoring
    if s.points is not None:
        return s.points[-1] >= s.points[0]
    scale = s.scale or {}
    return scale["best"] > scale["worst"]


def _value_range(indicator: Indicator) -> tuple[float, float]:
    """The span demo values are drawn over: around the scoring's thresholds (or its scale),
    inside the form's bounds."""
    s = indicator.scoring
    if s.thresholds:
        t = s.thresholds
        margin = max((t[-1] - t[0]) * 0.5, 1.0)
        lo, hi = t[0] - margin, t[-1] + margin
    else:
        scale = s.scale or {}
        lo, hi = sorted((scale["worst"], scale["best"]))
    low, high = indicator.bounds
    lo = max(lo, low) if low is not None else lo
    hi = min(hi, high) if high is not None else hi
    return lo, max(hi, lo)


def indicator_value(
    indicator: Indicator, maturity: float, rng: np.random.Generator, params: MechanismsDemoParams
) -> object:
    """A reported value consistent with the maturity (typed as the form expects it)."""
    z = params.value_slope * maturity + rng.normal(0, params.value_noise_sd)
    if indicator.kind == "yesno":
        return bool(z > -0.3)
    p = 1 / (1 + np.exp(-z))
    if not _higher_is_better(indicator):
        p = 1 - p
    lo, hi = _value_range(indicator)
    value = lo + (hi - lo) * p
    if indicator.kind == "count":
        return int(np.rint(value))
    return round(float(value), 1)


def maturity_table(
    codes: list[str],
    directions: list[str],
    years: tuple[int, ...],
    seed: int,
    params: MechanismsDemoParams,
) -> pd.DataFrame:
    """Latent maturity per municipality, direction and year (the truth's core)."""
    rng = rng_for(seed, "mechanisms", "maturity")
    n, k = len(codes), len(directions)
    level = rng.normal(0, params.level_sd, n)
    improving = rng.random(n) < params.improving_share
    trend = np.where(improving, params.improving_trend, params.flat_trend) + rng.normal(
        0, params.trend_sd, n
    )
    deviation = rng.normal(0, params.direction_sd, (n, k))
    first = min(years)
    rows = []
    for year in sorted(years):
        noise = rng.normal(0, params.noise_sd, (n, k))
        m = level[:, None] + deviation + trend[:, None] * (year - first) + noise
        for i, code in enumerate(codes):
            for j, direction in enumerate(directions):
                rows.append((year, code, direction, float(m[i, j]), bool(improving[i])))
    return pd.DataFrame(
        rows, columns=["year", "municipality_code", "direction", "maturity", "improving"]
    )


def _municipalities(ctx: DemoContext, year: int) -> dict[str, str]:
    """Code → name of the municipalities with a school in ``year``, in the configuration's
    order (a region's municipality without schools in the demo has no form)."""
    labels = ctx.labels(year)
    if "exists" in labels:
        labels = labels[labels["exists"].astype(bool)]
    present = set(labels["municipality_code"])
    return {c: n for c, n in region(ctx.config_dir).municipalities_in(year).items() if c in present}


def generate(ctx: DemoContext, params: MechanismsDemoParams | None = None) -> list[Path]:
    """``Procedure.demo``: ``mechanisms/<year>/mechanisms_<year>_<code>.xlsx``, truth beside."""
    params = params or MechanismsDemoParams()
    settings = mechanism_settings(ctx.config_dir)
    spec = mechanism_form(ctx.config_dir)
    directions = list(settings.directions)
    # the demo region's municipalities (those with schools) as each year's registry has them
    by_year = {y: _municipalities(ctx, y) for y in ctx.years}
    every = list(dict.fromkeys(c for y in ctx.years for c in by_year[y]))
    truth = maturity_table(every, directions, ctx.years, ctx.seed, params)
    thresholds = params.thresholds
    done = truth["maturity"].to_numpy()[:, None] > thresholds[None, :]
    first_missing = np.where(done.all(axis=1), len(STAGES), (~done).argmax(axis=1))
    truth["stages_done"] = first_missing
    truth["break_stage"] = pd.array(
        [STAGES[i] if i < len(STAGES) else None for i in first_missing], dtype="string"
    )
    truth["full_cycle"] = first_missing == len(STAGES)
    by_key = truth.set_index(["year", "municipality_code", "direction"])["maturity"]
    written: list[Path] = []
    for year in ctx.years:
        folder = ctx.out / FOLDER / str(year)
        mine: list[Path] = []
        for code, name in by_year[year].items():
            rng = rng_for(ctx.seed, "mechanisms", "form", year, code)
            values = {}
            for d in directions:
                maturity = float(by_key[(year, code, d)])
                rows: list[dict[str, object]] = [
                    {
                        "value": indicator_value(ind, maturity, rng, params),
                        "note": "данные на 1 сентября"
                        if rng.random() < params.comment_share
                        else None,
                    }
                    for ind in settings.form_indicators(d).values()
                ]
                for threshold in thresholds:
                    yes = bool(maturity > threshold)
                    document = (
                        f"приказ управления образования от {rng.integers(1, 29):02d}."
                        f"{rng.integers(1, 13):02d}.{year} № {rng.integers(1, 300)}"
                    )
                    rows.append({"value": yes, "note": document if yes else None})
                values[d] = rows
            form = FormContext(year, code, name, ctx.config_dir)
            path = folder / TEMPLATE.file_name(form)
            mine.append(write_form(spec, path, form.identity(), values))
        remove_stale(folder, (f"{FORM_CODE}_*.xlsx",), mine)
        written += mine
    ctx.truth_dir.mkdir(parents=True, exist_ok=True)
    truth.to_parquet(ctx.truth_dir / TRUTH_FILE, index=False)
    return written
