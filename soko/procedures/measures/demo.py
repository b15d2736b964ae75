"""Demo register of measures: one file per municipality, from the measures the demo planted.

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

from soko.config import region, vpr_subjects
from soko.demo.model import ModelParams, rng_for
from soko.demo.vpr import school_means
from soko.demo.writers import add_truth_meta, write_csv
from soko.procedure import DemoContext
from soko.procedures.measures.register import COLUMNS
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
                "Код муниципалитета": labels["municipality_code"],
                "Код ОО": labels["school_code"],
                "Вид меры": names[t.kind],
                "Предмет": subjects[t.register_subject] if t.register_subject else "",
                "Год начала": t.start_year,
                "Год окончания": "" if span is None else t.start_year + span,
                "Адресат": ADDRESSEE.get(t.kind, ""),
                "Документ": _document(rng, t.start_year),
            }
        )
    stable = _stable_municipalities(ctx)
    demo = plan.params
    if stable and CROSS_CHECK in names and len(ctx.years) > demo.start_offset:
        rng = rng_for(ctx.seed, "measures", "cross_check")
        start = sorted(ctx.years)[demo.start_offset]
        picked = rng.choice(stable, min(demo.cross_check_municipalities, len(stable)), False)
        for code in sorted(str(c) for c in picked):
            rows.append(
                {
                    "Код муниципалитета": code,
                    "Код ОО": "",
                    "Вид меры": names[CROSS_CHECK],
                    "Предмет": "",
                    "Год начала": start,
                    "Год окончания": "",
                    "Адресат": ADDRESSEE[CROSS_CHECK],
                    "Документ": _document(rng, start),
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values(["Код муниципалитета", "Код ОО", "Вид меры"], kind="stable")


def _remove_stale(folder: Path, written: set[Path]) -> None:
    for path in folder.glob("reestr_mer_*.*"):
        if path.resolve() not in written:
            path.unlink()


def generate(ctx: DemoContext) -> list[Path]:
    """``Procedure.demo``: ``<out>/measures/reestr_mer_<municipality>.csv`` (cp1251, «;»)."""
    rows = register_rows(ctx)
    folder = ctx.out / FOLDER
    files = []
    for code, part in rows.groupby("Код муниципалитета", sort=True):
        path = folder / f"reestr_mer_{code}.csv"
        files.append(write_csv(path, list(COLUMNS), part.itertuples(index=False)))
    _remove_stale(folder, {f.resolve() for f in files})
    cross = rows[rows["Код ОО"] == ""]
    add_truth_meta(
        ctx.truth_dir,
        {
            "measures_register": {
                "rows": len(rows),
                "files": len(files),
                "region": region(ctx.config_dir).code,
                # a municipality-wide measure whose effect (on objectivity) is not planted
                "cross_check": [
                    {"municipality_code": str(m), "start_year": int(y), "effect": 0.0}
                    for m, y in zip(cross["Код муниципалитета"], cross["Год начала"], strict=True)
                ],
            }
        },
    )
    return files
