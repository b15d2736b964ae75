"""Demo register of measures: one filled form per municipality and year, from the measures
the demo planted.

The treated schools, their kinds and start year are :mod:`soko.demo.measures`' plan (the same
function :func:`soko.demo.vpr.school_means` adds their gains with, so the register and the
results agree); ВПР's demo records the gains in the truth. This module writes the register a
municipality would keep — codes and names as the registry had them in the start year — plus
one municipality-wide measure with no planted effect (cross-checking of ВПР works in one
municipality, whose effect on objectivity is not planted: the truth says so).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import vpr_subjects
from soko.demo.model import ModelParams, rng_for
from soko.demo.vpr import school_means
from soko.demo.writers import add_truth_meta
from soko.forms import write_form
from soko.procedure import DemoContext, FormContext
from soko.procedures.measures.register import FORM, HEADERS
from soko.procedures.measures.settings import measures_settings

FOLDER = "measures"
CROSS_CHECK = "cross_check"
ADDRESSEE = {
    "shnor_support": "Администрация школы",
    "teacher_training": "Учителя предмета",
    "curator_school": "Администрация школы",
    CROSS_CHECK: "Муниципальный орган управления образованием",
}
DURATION = {"shnor_support": None, "teacher_training": 0, "curator_school": 1}  # end − start


def _document(rng: np.random.Generator, start: int) -> str:
    number = int(rng.integers(10, 900))
    day, month = int(rng.integers(1, 28)), int(rng.integers(8, 10))
    return f"Приказ управления образования от {day:02d}.{month:02d}.{start - 1} № {number}"


def _stable_municipalities(ctx: DemoContext) -> list[str]:
    """Municipalities none of whose schools changes municipality over the years (a reform
    would make «the municipality's schools» ambiguous for a municipality-wide measure)."""
    seen: dict[str, set[str]] = {}
    for year in ctx.years:
        labels = ctx.labels(year)
        for school, muni in zip(labels["school_code"], labels["municipality_code"], strict=True):
            seen.setdefault(str(school), set()).add(str(muni))
    moved = {m for codes in seen.values() if len(codes) > 1 for m in codes}
    return sorted({m for codes in seen.values() for m in codes} - moved)


def register_rows(ctx: DemoContext) -> pd.DataFrame:
    """The register's rows (Russian headers), in municipality and school order."""
    params = ModelParams()
    means = school_means(ctx.seed, ctx.schools, ctx.years, ["ru", "ma"], params)
    plan = means.measures
    settings = measures_settings(ctx.config_dir)
    names = {k.code: k.name for k in settings.kinds}
    subjects = vpr_subjects(ctx.config_dir)
    rows = []
    for t in plan.treatments:
        labels = ctx.labels(t.start_year).iloc[t.school]
        rng = rng_for(ctx.seed, "measures", "register", t.school_code, t.kind)
        span = DURATION.get(t.kind)
        rows.append(
            {
                "municipality_code": str(labels["municipality_code"]),
                "municipality_name": str(labels["municipality_name"]),
                "school_code": str(labels["school_code"]),
                "kind": names[t.kind],
                "subject": subjects[t.register_subject] if t.register_subject else None,
                "start_year": t.start_year,
                "end_year": None if span is None else t.start_year + span,
                "addressee": ADDRESSEE.get(t.kind, ""),
                "document": _document(rng, t.start_year),
            }
        )
    stable = _stable_municipalities(ctx)
    demo = plan.params
    if stable and CROSS_CHECK in names and len(ctx.years) > demo.start_offset:
        rng = rng_for(ctx.seed, "measures", "cross_check")
        start = sorted(ctx.years)[demo.start_offset]
        picked = rng.choice(stable, min(demo.cross_check_municipalities, len(stable)), False)
        for code in sorted(str(c) for c in picked):
            labels = ctx.labels(start)
            name = labels.loc[labels["municipality_code"] == code, "municipality_name"]
            rows.append(
                {
                    "municipality_code": code,
                    "municipality_name": str(name.iloc[0]) if len(name) else code,
                    "school_code": None,
                    "kind": names[CROSS_CHECK],
                    "subject": None,
                    "start_year": start,
                    "end_year": None,
                    "addressee": ADDRESSEE[CROSS_CHECK],
                    "document": _document(rng, start),
                }
            )
    frame = pd.DataFrame(rows, columns=["municipality_code", "municipality_name", *HEADERS])
    return frame.sort_values(
        ["municipality_code", "school_code", "kind"], kind="stable", na_position="last"
    ).reset_index(drop=True)


def _remove_stale(folder: Path, written: set[Path]) -> None:
    for path in folder.glob(f"*/{FORM.code}_*.xlsx"):
        if path.resolve() not in written:
            path.unlink()


def generate(ctx: DemoContext) -> list[Path]:
    """``Procedure.demo``: the filled register forms, ``<out>/measures/<year>/reestr_mer_<year>_
    <municipality>.xlsx`` (one per municipality and start year, as ``soko forms`` names
    them)."""
    rows = register_rows(ctx)
    folder = ctx.out / FOLDER
    files = []
    years = sorted({int(y) for y in rows["start_year"]}) or sorted(ctx.years)[-1:]
    for year in years:
        # every municipality of the year hands in its form, an empty one when it took no
        # measure (the files do not depend on which schools the seed treats)
        labels = ctx.labels(year)
        units = labels.drop_duplicates("municipality_code").sort_values("municipality_code")
        for code, name in zip(units["municipality_code"], units["municipality_name"], strict=True):
            part = rows[(rows["municipality_code"] == code) & (rows["start_year"] == year)]
            form = FormContext(
                year=int(year),
                municipality_code=str(code),
                municipality_name=str(name),
                config_dir=ctx.config_dir,
            )
            values = [
                {k: v for k, v in r.items() if k in HEADERS and v is not None and not pd.isna(v)}
                for r in part.to_dict("records")
            ]
            path = folder / str(int(year)) / FORM.file_name(form)
            spec = FORM.spec(form)
            files.append(write_form(spec, path, form.identity(), {"measures": values}))
    _remove_stale(folder, {f.resolve() for f in files})
    cross = rows[rows["school_code"].isna()]
    add_truth_meta(
        ctx.truth_dir,
        {
            "measures_register": {
                "rows": len(rows),
                "files": len(files),
                # a municipality-wide measure whose effect (on objectivity) is not planted
                "cross_check": [
                    {"municipality_code": str(m), "start_year": int(y), "effect": 0.0}
                    for m, y in zip(cross["municipality_code"], cross["start_year"], strict=True)
                ],
            }
        },
    )
    return files
