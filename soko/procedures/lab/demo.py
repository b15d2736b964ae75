"""Demo equipment forms: one filled form per municipality and year, from the plan the ВПР
demo planted its relation with.

The schools' equipment and use are :func:`soko.demo.lab.lab_plan` (the same call ВПР's demo
makes, so the forms and the ВПР files agree on which schools use their biology equipment).
The truth (``lab_use.parquet``, ``truth.json`` key ``lab``) says, per school and year, the
state of use of every kind it has, whether it *uses* the biology equipment, and whether its
ВПР biology practical tasks were given the planted gain (a school with a planted
manipulation in a biology work keeps its manipulated scores there: :mod:`soko.demo.vpr`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.demo.lab import BIOLOGY_KINDS, KINDS, USED, lab_plan, use_counts
from soko.demo.model import ModelParams
from soko.demo.planted import planted_school_indices
from soko.demo.writers import add_truth_meta, write_truth_tables
from soko.forms import NO, YES, write_form
from soko.procedure import DemoContext, FormContext
from soko.procedures.lab.form import FOLDER, FORM, lessons_column, practical_column
from soko.procedures.lab.settings import lab_settings


def _registry(ctx: DemoContext, year: int) -> pd.DataFrame:
    """The schools of ``year`` as the registry lists them (codes and names of that year)."""
    labels = ctx.labels(year)
    return labels[labels["exists"].astype(bool)][
        ["school_code", "school_name", "municipality_code", "municipality_name"]
    ].reset_index(drop=True)


def _remove_stale(folder: Path, written: set[Path]) -> None:
    for path in folder.glob(f"*/{FORM.code}_*.xlsx"):
        if path.resolve() not in written:
            path.unlink()


def generate(ctx: DemoContext) -> list[Path]:
    """``Procedure.demo``: ``<out>/lab/<year>/oborudovanie_<year>_<municipality>.xlsx``."""
    settings = lab_settings(ctx.config_dir)
    plan = lab_plan(ctx.seed, ctx.schools, ctx.years)
    kinds = [k for k in settings.kinds if k.code in KINDS]
    terms = [t.code for t in settings.terms]
    index = {str(c): i for i, c in enumerate(ctx.schools["school_code"])}
    folder = ctx.out / FOLDER
    files, truth = [], []
    planted = set(planted_school_indices(ctx.seed, ctx.schools, ModelParams()))
    for year in sorted(ctx.years):
        registry = _registry(ctx, year)
        labels = ctx.labels(year)
        by_label = {str(c): i for i, c in enumerate(labels["school_code"]) if labels["exists"][i]}
        uses = plan.uses_biology(year)
        units = registry.drop_duplicates("municipality_code").sort_values("municipality_code")
        for code, name in zip(units["municipality_code"], units["municipality_name"], strict=True):
            form = FormContext(
                year=int(year),
                municipality_code=str(code),
                municipality_name=str(name),
                config_dir=ctx.config_dir,
                schools=registry,
            )
            spec = FORM.spec(form)
            values: dict[str, list[dict[str, object]]] = {}
            for kind in kinds:
                rows = []
                for prefilled in spec.sheet(kind.code).rows:
                    school_code = str(prefilled.cells["school_code"])
                    s = by_label.get(school_code, index.get(school_code))
                    if s is None or not plan.has[kind.code][s]:
                        rows.append({"has_equipment": NO})
                        continue
                    lessons, practical = use_counts(plan, ctx.seed, s, school_code, year, kind.code)
                    row: dict[str, object] = {
                        "has_equipment": YES,
                        "year_received": int(plan.received[kind.code][s]),
                        "sets": int(plan.sets[kind.code][s]),
                    }
                    for t, n_l, n_p in zip(terms, lessons, practical, strict=False):
                        row[lessons_column(t)] = n_l
                        row[practical_column(t)] = n_p
                    rows.append(row)
                    truth.append(
                        {
                            "year": int(year),
                            "school_code": school_code,
                            "kind": kind.code,
                            "state": str(plan.state[(year, kind.code)][s]),
                        }
                    )
                values[kind.code] = rows
            path = folder / str(int(year)) / FORM.file_name(form)
            files.append(write_form(spec, path, form.identity(), values))
        for s, school_code in enumerate(labels["school_code"]):
            if not labels["exists"][s]:
                continue
            truth.append(
                {
                    "year": int(year),
                    "school_code": str(school_code),
                    "kind": "uses_biology",
                    "state": USED if uses[s] else "",
                    "boosted": bool(uses[s] and plan.params.effect_sd != 0),
                    "planted_school": s in planted,
                }
            )
    _remove_stale(folder, {f.resolve() for f in files})
    table = pd.DataFrame(
        truth, columns=["year", "school_code", "kind", "state", "boosted", "planted_school"]
    )
    table[["boosted", "planted_school"]] = table[["boosted", "planted_school"]].astype("boolean")
    write_truth_tables(ctx.truth_dir, {"lab_use": table})
    add_truth_meta(
        ctx.truth_dir,
        {
            "lab": {
                "effect_sd": plan.params.effect_sd,
                "biology_kinds": list(BIOLOGY_KINDS),
                "files": len(files),
                "n_using_biology": {
                    str(y): int(plan.uses_biology(y).sum()) for y in sorted(ctx.years)
                },
                "note": "boosted: the school's ВПР biology practical tasks got the planted "
                "gain, except in a work where the school (planted_school) was planted with a "
                "manipulation",
            }
        },
    )
    return files
