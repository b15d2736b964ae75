"""Demo staffing forms: one filled form per municipality and quarter of the demo's last two
years, with a planted truth.

What is planted (``truth.json`` key ``staffing``, tables under the truth dir):

- **vacancies**: each school has a lasting vacancy level (2–14 % of its positions), each
  subject its own shift, each quarter the region's season (more vacancies in the third quarter,
  when the school year starts) and noise; ordinary rows stay under 15 % and 18 uncovered
  hours a week, so only the planted rows are critical;
- **critical shortages**: a few school × subject × level rows with 30–50 % vacant positions
  and at least 18 uncovered hours in every quarter (``staffing_critical`` truth table);
- **a staffing measure** (``staffing_support`` of ``config/measures.yml``) for some schools from
  the last year on, written into the register of measures (``data/raw/measures/<year>/
  kadrovye_mery_<year>_<municipality>.xlsx``) and lowering their vacancy rate by
  ``EFFECT_PP`` percentage points; the truth is the realised effect — the mean over treated
  schools of their last-year rate with the measure minus the same rate without it, from the
  same random draws — so the estimate can be checked against what was planted exactly;
- **an age structure**: teachers under anonymous codes in age bands with fixed shares; the
  truth gives the region's band counts in the last quarter, from which the projection is a
  hand computation with the configured rates.

Treated schools are drawn on their lasting level (above the region's median: regions help
where shortages are; at least one per municipality, so every municipality hands in a
register file), not on a quarter's noise, so the difference in changes has no regression to
the mean to fight.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from soko.demo.model import rng_for
from soko.demo.staff import school_teachers
from soko.demo.writers import add_truth_meta, write_truth_tables
from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    Column,
    FormSpec,
    SheetSpec,
    write_form,
)
from soko.paths import config_dir as default_config_dir
from soko.procedure import DemoContext, FormContext
from soko.procedures.staffing.form import FOLDER, FORM, LEAVERS, POSITIONS, TEACHERS
from soko.procedures.staffing.settings import StaffingBlock, staffing_settings

YEARS = 2  # the demo fills every quarter of the last two years
EFFECT_PP = 5.0  # planted drop of the vacancy rate of treated schools, percentage points
TREATED_SHARE = 0.15
MEASURE_KIND = "staffing_support"
MAX_RATE = 0.15  # ordinary rows: at most this share vacant
SEASON = {1: 0.01, 2: 0.0, 3: 0.025, 4: 0.005}
# positions per school of median size, at ООО (СОО: ×0.4); the primary school at НОО
BASE_POSITIONS = {
    "ru": 1.5,
    "li": 0.75,
    "ma": 1.5,
    "inf": 0.5,
    "hi": 0.75,
    "ob": 0.5,
    "ge": 0.5,
    "bi": 0.5,
    "ph": 0.5,
    "ch": 0.25,
    "en": 1.0,
    "pe": 0.75,
}
PRIMARY_POSITIONS = 4.0
SUBJECT_SHIFT = {"ma": 0.02, "ph": 0.02, "en": 0.015, "inf": 0.015, "ch": 0.01}
CRITICAL_SUBJECTS = ("ma", "ph", "en", "inf")
AGE_SHARES = {"lt30": 0.12, "a30_49": 0.45, "a50_59": 0.25, "a60_64": 0.12, "a65": 0.06}
CATEGORY_SHARES = {"none": 0.15, "szd": 0.25, "first": 0.35, "highest": 0.25}
LEAVE_RATE = 0.015  # per quarter; teachers planning to leave: RETIRING_LEAVE_RATE
RETIRING_LEAVE_RATE = 0.10
DEMO_INPUT_ROWS = 20  # blank input rows after the data of a demo copy (see _filled_copy)
# the register of measures' sheet, as the measures procedure's form names it (its headers are
# what that form is read by; tests/test_staffing.py reads the file back through it)
REGISTER_SHEET = "Реестр мер"
REGISTER_HEADERS = {
    "school_code": "Код ОО",
    "kind": "Вид меры",
    "subject": "Предмет",
    "start_year": "Год начала",
    "end_year": "Год окончания",
    "addressee": "Адресат",
    "document": "Документ",
}


def _quarters(years: list[int]) -> list[tuple[int, int]]:
    return [(y, q) for y in years for q in (1, 2, 3, 4)]


def _floor(x: float, step: float = 0.01) -> float:
    return round(math.floor(x / step + 1e-9) * step, 2)


def _plan(ctx: DemoContext, settings: StaffingBlock, years: list[int]) -> dict:
    """Schools' rows, lasting levels, the treated and the critical rows."""
    rng = rng_for(ctx.seed, "staffing", "plan")
    alive = np.ones(len(ctx.schools), dtype=bool)
    for y in years:
        alive &= ctx.labels(y)["exists"].to_numpy(dtype=bool)
    schools = ctx.schools.reset_index(drop=True)
    size = (
        schools["cohort"].to_numpy(dtype=float)
        if "cohort" in schools.columns
        else np.ones(len(schools))
    )
    factor = np.clip(size / np.median(size), 0.3, 3.0)
    rows = []
    for i, school in schools.iterrows():
        if not alive[i]:
            continue
        srng = rng_for(ctx.seed, "staffing", "rows", str(school["school_code"]))
        oosh = "ООШ" in str(school.get("kind", ""))
        f = factor[i]
        rows.append((i, "primary", "noo", max(1.0, round(PRIMARY_POSITIONS * f * 4) / 4)))
        for subject, base in BASE_POSITIONS.items():
            if subject not in settings.subjects:
                continue
            for level, share in (("ooo", 1.0), ("soo", 0.4)):
                if level == "soo" and oosh:
                    continue
                p = base * share * f * srng.uniform(0.8, 1.2)
                rows.append((i, subject, level, max(0.25, round(p * 4) / 4)))
    frame = pd.DataFrame(rows, columns=["school", "subject", "level", "positions"])
    ids = sorted(frame["school"].unique())
    latent = {s: float(rng.uniform(0.02, 0.14)) for s in ids}
    median = float(np.median(list(latent.values())))
    # every municipality of the start year gets at least one treated school (its
    # highest-level one when none is above the region's median), so the register files do
    # not depend on the seed's draw; the rest are drawn among the schools above the median
    munis = ctx.labels(years[-1])["municipality_code"].astype(str).to_numpy()
    treated_set: set[int] = set()
    for m in sorted(set(munis[ids])):
        mine = [s for s in ids if munis[s] == m]
        high_m = [s for s in mine if latent[s] >= median] or [max(mine, key=latent.get)]
        treated_set.add(int(rng.choice(high_m)))
    high = [s for s in ids if latent[s] >= median and s not in treated_set]
    extra = max(0, max(3, round(TREATED_SHARE * len(ids))) - len(treated_set))
    treated_set |= {int(s) for s in rng.choice(high, min(extra, len(high)), replace=False)}
    treated = sorted(treated_set)
    candidates = frame[
        frame["subject"].isin(CRITICAL_SUBJECTS)
        & (frame["level"] == "ooo")
        & (frame["positions"] >= 1.0)
        & ~frame["school"].isin(treated)
    ]
    n_critical = max(2, len(ids) // 25)
    picked = rng.choice(len(candidates), min(n_critical, len(candidates)), replace=False)
    critical = candidates.iloc[sorted(picked)]
    crit_set = {(int(r.school), r.subject, r.level) for r in critical.itertuples()}
    return {"rows": frame, "latent": latent, "treated": treated, "critical": crit_set}


def _positions(ctx: DemoContext, plan: dict, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the «Ставки» sheets for every quarter, and the treated schools' rates with and
    without the measure (the truth of its effect)."""
    start = years[-1]
    treated = set(plan["treated"])
    out, truth = [], []
    for year, q in _quarters(years):
        for r in plan["rows"].itertuples():
            rng = rng_for(ctx.seed, "staffing", "q", year, q, int(r.school), r.subject, r.level)
            noise, gap, over = rng.normal(0, 0.02), rng.uniform(0.2, 0.6), rng.poisson(0.1)
            p = float(r.positions)
            if (int(r.school), r.subject, r.level) in plan["critical"]:
                rate = rng.uniform(0.3, 0.5)
                vacant = _floor(p * rate)
                hours = float(max(18, round(vacant * 18)))
                without = with_ = vacant
            else:
                base = plan["latent"][r.school] + SUBJECT_SHIFT.get(r.subject, 0) + SEASON[q]
                raw = base + noise
                without = _floor(p * min(max(raw, 0.0), MAX_RATE))
                cut = EFFECT_PP / 100 if int(r.school) in treated and year >= start else 0.0
                with_ = _floor(p * min(max(raw - cut, 0.0), MAX_RATE))
                vacant = with_
                hours = float(min(round(vacant * 18 * gap), 17))
            out.append(
                {
                    "school": int(r.school),
                    "year": year,
                    "quarter": q,
                    "subject": r.subject,
                    "level": r.level,
                    "positions": p,
                    "filled": round(p - vacant, 2),
                    "vacant": vacant,
                    "hours_uncovered": hours,
                    "overloaded": int(over * max(1, round(p))),
                }
            )
            if int(r.school) in treated and year == start:
                truth.append((int(r.school), p, with_, without))
    t = pd.DataFrame(truth, columns=["school", "positions", "with", "without"])
    return pd.DataFrame(out), t


def _teachers(
    ctx: DemoContext, plan: dict, settings: StaffingBlock, years: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of the «Педагоги» and «Выбывшие» sheets for every quarter."""
    rows = plan["rows"]
    bands, band_p = list(AGE_SHARES), np.array(list(AGE_SHARES.values()))
    cats, cat_p = list(CATEGORY_SHARES), np.array(list(CATEGORY_SHARES.values()))
    retire = set(settings.retirement_bands)
    seq = 0
    staff: dict[int, list[dict]] = {}
    for school in sorted(rows["school"].unique()):
        rng = rng_for(ctx.seed, "staffing", "staff", int(school))
        mine = rows[rows["school"] == school]
        # the school's teachers by the demo's one staff model (soko.demo.staff), which the
        # competences demo draws its diagnosed teachers from: diagnosed ÷ teachers is a share
        row = ctx.schools.iloc[int(school)]
        n = (
            max(3, school_teachers(float(row["cohort"]), str(row.get("kind", ""))))
            if "cohort" in row.index
            else max(3, round(mine["positions"].sum() / 1.2))
        )
        weights = mine.groupby("subject")["positions"].sum()
        subjects = rng.choice(weights.index.to_numpy(), n, p=(weights / weights.sum()).to_numpy())
        people = []
        for subject in subjects:
            seq += 1
            band = str(rng.choice(bands, p=band_p))
            young = band == "lt30" and rng.random() < 0.6
            people.append(
                {
                    "person_code": f"T{seq:06d}",
                    "subject": str(subject),
                    "age_band": band,
                    "category": "none" if young else str(rng.choice(cats, p=cat_p)),
                    "young": young,
                    "mentored": young and rng.random() < 0.7,
                    "retiring": (band in retire and rng.random() < 0.3) or rng.random() < 0.02,
                }
            )
        staff[int(school)] = people
    reasons = [c for c in settings.leave_reasons if c != "retirement"]
    teachers, leavers = [], []
    for year, q in _quarters(years):
        for school, people in staff.items():
            rng = rng_for(ctx.seed, "staffing", "leave", year, q, school)
            stay, gone = [], []
            for p in people:
                chance = RETIRING_LEAVE_RATE if p["retiring"] else LEAVE_RATE
                (gone if rng.random() < chance else stay).append(p)
            for p in gone:
                reason = "retirement" if p["age_band"] in retire else str(rng.choice(reasons))
                leavers.append(
                    {"school": school, "year": year, "quarter": q, "person_code": p["person_code"],
                     "subject": p["subject"], "reason": reason}
                )  # fmt: skip
            teachers += [{"school": school, "year": year, "quarter": q, **p} for p in stay]
            for p in gone:  # replaced next quarter by a young specialist
                seq += 1
                stay.append(
                    {
                        "person_code": f"T{seq:06d}",
                        "subject": p["subject"],
                        "age_band": "lt30",
                        "category": "none",
                        "young": True,
                        "mentored": bool(rng.random() < 0.7),
                        "retiring": False,
                    }
                )
            staff[school] = stay
    return pd.DataFrame(teachers), pd.DataFrame(leavers)


def _cells(frame: pd.DataFrame, settings: StaffingBlock, codes: dict[int, str]) -> list[dict]:
    """Canonical demo rows → form cells (Russian names from the lists)."""
    names = {
        "subject": settings.subjects,
        "level": settings.levels,
        "age_band": {b.code: b.name for b in settings.age_bands},
        "category": settings.categories,
        "reason": settings.leave_reasons,
    }
    out = []
    for r in frame.to_dict("records"):
        cell: dict[str, object] = {"school_code": codes[int(r["school"])]}
        for k, v in r.items():
            if k in ("school", "year", "quarter"):
                continue
            if k in names:
                v = names[k][v]
            elif isinstance(v, bool | np.bool_):
                v = "да" if v else "нет"
            cell[k] = v
        out.append(cell)
    return out


def _register_spec() -> FormSpec:
    """The register of measures' sheet with the columns its form is read by."""
    cols = tuple(Column(name, header) for name, header in REGISTER_HEADERS.items())
    sheet = SheetSpec(code="measures", name=REGISTER_SHEET, columns=cols, input_rows=10)
    return FormSpec(
        code="reestr_mer",
        title="Реестр мер и их результативность",
        sheets=(sheet,),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
    )


def _filled_copy(spec: FormSpec) -> FormSpec:
    """The spec a demo copy is written with: the blank's sheets with ``DEMO_INPUT_ROWS``
    blank input rows after the data instead of the blank's hundreds (the reader skips blank
    rows, so what is read is the same; writing the blank rows cell by cell was two thirds of
    the demo's staffing time). The blank `soko forms` writes is unchanged."""
    return replace(spec, sheets=tuple(replace(s, input_rows=DEMO_INPUT_ROWS) for s in spec.sheets))


def _kind_name(ctx: DemoContext) -> str:
    path = (ctx.config_dir or default_config_dir()) / "measures.yml"
    kinds = yaml.safe_load(path.read_text(encoding="utf-8"))["measures"]["kinds"]
    return next(k["name"] for k in kinds if k["code"] == MEASURE_KIND)


def _remove_stale(folder: Path, pattern: str, written: set[Path]) -> None:
    for path in folder.glob(pattern):
        if path.resolve() not in written:
            path.unlink()


def generate(ctx: DemoContext) -> list[Path]:
    """``Procedure.demo``: ``<out>/staffing/<year>/q<q>/kadry_<year>_q<q>_<municipality>.xlsx``
    and the staffing measures' register files; the truth under the truth dir."""
    settings = staffing_settings(ctx.config_dir)
    years = sorted(int(y) for y in ctx.years)[-YEARS:]
    plan = _plan(ctx, settings, years)
    positions, effect_truth = _positions(ctx, plan, years)
    teachers, leavers = _teachers(ctx, plan, settings, years)
    files: list[Path] = []
    for year, q in _quarters(years):
        labels = ctx.labels(year).reset_index(drop=True)
        codes = {int(i): str(c) for i, c in labels["school_code"].items()}
        munis = labels.loc[labels["exists"]].drop_duplicates("municipality_code")
        for code, name in sorted(
            zip(munis["municipality_code"], munis["municipality_name"], strict=True)
        ):
            mine = set(labels.index[(labels["municipality_code"] == code) & labels["exists"]])
            form = FormContext(
                year=year,
                municipality_code=str(code),
                municipality_name=str(name),
                config_dir=ctx.config_dir,
                quarter=q,
            )
            values = {}
            for sheet, frame in ((POSITIONS, positions), (TEACHERS, teachers), (LEAVERS, leavers)):
                part = (
                    frame[
                        (frame["year"] == year)
                        & (frame["quarter"] == q)
                        & frame["school"].isin(mine)
                    ]
                    if len(frame)
                    else frame
                )
                values[sheet] = _cells(part, settings, codes)
            path = ctx.out / FOLDER / str(year) / f"q{q}" / FORM.file_name(form)
            files.append(write_form(_filled_copy(FORM.spec(form)), path, form.identity(), values))
    _remove_stale(ctx.out / FOLDER, "*/q*/*.xlsx", {f.resolve() for f in files})
    # the staffing measures in the register of measures, one file per municipality
    start = years[-1]
    labels = ctx.labels(start).reset_index(drop=True)
    kind_name = _kind_name(ctx)
    register = []
    treated = labels.iloc[plan["treated"]]
    for code, group in treated.groupby("municipality_code", sort=True):
        form = FormContext(
            year=start,
            municipality_code=str(code),
            municipality_name=str(group["municipality_name"].iloc[0]),
        )
        rows = []
        for school in group["school_code"]:
            rng = rng_for(ctx.seed, "staffing", "register", str(school))
            number = int(rng.integers(10, 900))
            rows.append(
                {
                    "school_code": str(school),
                    "kind": kind_name,
                    "start_year": start,
                    "addressee": "Администрация школы",
                    "document": f"Приказ управления образования от 20.12.{start - 1} № {number}",
                }
            )
        path = ctx.out / "measures" / str(start) / f"kadrovye_mery_{start}_{code}.xlsx"
        register.append(write_form(_register_spec(), path, form.identity(), {"measures": rows}))
    _remove_stale(ctx.out / "measures", "*/kadrovye_mery_*.xlsx", {p.resolve() for p in register})
    files += register
    _truth(ctx, plan, labels, positions, teachers, effect_truth, settings, years)
    return files


def _truth(
    ctx: DemoContext,
    plan: dict,
    labels: pd.DataFrame,
    positions: pd.DataFrame,
    teachers: pd.DataFrame,
    effect_truth: pd.DataFrame,
    settings: StaffingBlock,
    years: list[int],
) -> None:
    codes = labels["school_code"].astype(str).to_numpy()
    per_school = effect_truth.groupby("school")[["positions", "with", "without"]].sum()
    realised = 100 * (per_school["with"] - per_school["without"]) / per_school["positions"]
    critical = pd.DataFrame(
        [(codes[s], subj, lvl) for s, subj, lvl in sorted(plan["critical"])],
        columns=["school_code", "subject", "level"],
    )
    last = teachers[(teachers["year"] == years[-1]) & (teachers["quarter"] == 4)]
    bands = {b: int(n) for b, n in last["age_band"].value_counts().sort_index().items()}
    write_truth_tables(ctx.truth_dir, {"staffing_critical": critical})
    add_truth_meta(
        ctx.truth_dir,
        {
            "staffing": {
                "years": years,
                "quarters": len(_quarters(years)),
                "start_year": years[-1],
                "measure_kind": MEASURE_KIND,
                "treated": sorted(str(codes[s]) for s in plan["treated"]),
                "planted_effect_pp": -EFFECT_PP,
                "realised_effect_pp": float(realised.mean()),
                "critical": len(critical),
                "region_age_bands_last_quarter": bands,
                "positions_rows": len(positions),
            }
        },
    )
