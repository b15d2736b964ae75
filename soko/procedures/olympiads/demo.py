"""Demo olympiad forms: one filled form per municipality and year, consistent with the demo's
schools.

Every pupil of grades 4–11 has an ability drawn around the school's strength (its true
effect and context, the generator's ``strong_genuine`` lyceums far above): stronger schools
send more pupils to the school stage, and their pupils go further. A pupil takes one or more
subjects (mathematics and Russian most often); the school stage's best go on to the
municipal stage (grades 7–11), its best to the regional stage (9–11), and a few to the final.
Statuses follow fixed cuts of the stage's score, as a jury's are. Planted, in the truth:
- a **weak subject** — at the regional stage the region's pupils score lower in it (the same
  pupils, the same cuts), so its share of winners and prize-winners is below the region's;
- **schools with no awards** — a few small schools whose pupils never pass the school stage.
Enrolment is the context file's (``soko.demo.registry.enrolment_for_year``) split over the
grades, so the form and ``school_context`` agree on a school's total.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.model import ModelParams, rng_for
from soko.demo.registry import enrolment_for_year
from soko.demo.writers import add_truth_meta
from soko.forms import write_form
from soko.procedure import DemoContext, FormContext
from soko.procedures.olympiads.form import FOLDER, FORM, PARTICIPANTS, STUDENTS, TOTAL, band_column
from soko.procedures.olympiads.settings import OlympiadsBlock, olympiad_settings

WEAK_SUBJECT = "ph"  # physics: the region's planted weak subject at the regional stage
WEAK_SHIFT = -1.2  # ability units at the regional stage
N_NONE = {"small": 1, "demo": 3, "region": 6}  # planted schools without awards
# how often a pupil picks a subject (relative); subjects not listed: 0.3
POPULARITY = {
    "ma": 3.0, "ru": 3.0, "en": 2.0, "ob": 1.6, "bi": 1.5, "pe": 1.5, "hi": 1.3, "ph": 1.6,
    "li": 1.0, "ge": 1.0, "ch": 1.0, "inf": 1.0, "tech": 0.8, "obzr": 0.8, "eco": 0.6,
    "art": 0.6, "econ": 0.5, "law": 0.5, "ast": 0.4, "de": 0.3, "fr": 0.2, "es": 0.1,
    "it": 0.05, "zh": 0.05,
}  # fmt: skip
# who goes on to a stage: the previous stage's score above this (ability units)
GO_ON = {"municipal": 1.3, "regional": 2.0, "final": 3.8}
# a jury's quotas per stage and year: (share of winners, of winners and prize-winners) among
# the stage's participations — ranked over the whole region, so a subject whose pupils score
# lower (the planted weak one) gets fewer diplomas
QUOTAS = {
    "school": (0.10, 0.35),
    "municipal": (0.08, 0.33),
    "regional": (0.08, 0.35),
    "final": (0.10, 0.40),
}
NOISE = 0.6  # a stage's score around the pupil's ability


def _strength(schools: pd.DataFrame) -> np.ndarray:
    """A school's olympiad strength: its true effect and context, standardised, with the
    strong lyceums and gymnasiums well above."""
    effect = schools["true_effect"].to_numpy(dtype=float)
    effect = (effect - effect.mean()) / (effect.std() or 1.0)
    return (
        effect
        + 0.5 * schools["context"].to_numpy(dtype=float)
        + np.where(schools["strong_genuine"].to_numpy(dtype=bool), 1.0, 0.0)
    )


def _planted_none(ctx: DemoContext) -> list[str]:
    """Small ordinary schools whose pupils never pass the school stage (same every year)."""
    sch = ctx.schools
    ordinary = ~sch["strong_genuine"].astype(bool) & sch["kind"].isin(["СОШ", "ООШ"])
    small = sch[ordinary].sort_values(["cohort", "school_code"], kind="stable")
    pool = small["school_code"].head(max(6, 3 * N_NONE.get(ctx.size, 2))).tolist()
    rng = rng_for(ctx.seed, "olympiads", "none")
    k = min(N_NONE.get(ctx.size, 2), len(pool))
    return sorted(str(c) for c in rng.choice(pool, k, replace=False))


def _grades(total: int, top: int, rng: np.random.Generator) -> np.ndarray:
    """A school's enrolment split over grades 1..top (index 0 = grade 1)."""
    return rng.multinomial(int(total), np.full(top, 1.0 / top))


def _score(x: np.ndarray, prize: float) -> np.ndarray:
    """A jury's score out of 100: 50 at the prize-winner cut."""
    return np.round(100.0 / (1.0 + np.exp(-1.5 * (x - prize))), 1)


def _status(x: np.ndarray, prize: float, win: float) -> np.ndarray:
    return np.where(x >= win, "winner", np.where(x >= prize, "prize_winner", "participant"))


def school_year(
    ctx: DemoContext,
    s: OlympiadsBlock,
    year: int,
    idx: int,
    strength: float,
    enrolled: np.ndarray,
    blocked: bool,
) -> pd.DataFrame:
    """One school's participations in one year (codes assigned later)."""
    rng = rng_for(ctx.seed, "olympiads", year, str(ctx.schools["school_code"].iloc[idx]))
    rate = float(np.clip(0.18 * np.exp(0.35 * strength), 0.03, 0.6))
    subjects = [sub for sub in s.subjects]
    rows = []
    pupil = 0
    for grade in range(4, len(enrolled) + 1):
        n = int(rng.binomial(int(enrolled[grade - 1]), rate))
        eligible = [sub for sub in subjects if sub.from_grade <= grade]
        weights = np.array([POPULARITY.get(sub.code, 0.3) for sub in eligible])
        weights = weights / weights.sum()
        for _ in range(n):
            ability = 0.6 * strength + rng.normal()
            k = int(min(4, 1 + rng.poisson(0.7 * np.exp(0.2 * ability))))
            picked = rng.choice(len(eligible), size=min(k, len(eligible)), replace=False, p=weights)
            for j in sorted(picked):
                rows.append((pupil, grade, eligible[j].code, ability))
            pupil += 1
    if not rows:
        return pd.DataFrame(columns=["pupil", "grade", "subject", "ability", "stage", "x"])
    base = pd.DataFrame(rows, columns=["pupil", "grade", "subject", "ability"])
    stages = []
    current = base.assign(stage="school", x=base["ability"] + rng.normal(0, NOISE, len(base)))
    stages.append(current)
    for code in ("municipal", "regional", "final"):
        low = s.stage(code).grades[0] if code in s.stage_names() else 99
        go_on = GO_ON[code]
        if blocked:
            break
        nxt = current[(current["x"] > go_on) & (current["grade"] >= low)].copy()
        if nxt.empty:
            break
        shift = np.where(
            (nxt["subject"] == WEAK_SUBJECT).to_numpy() & (code == "regional"), WEAK_SHIFT, 0.0
        )
        nxt["x"] = nxt["ability"].to_numpy() + shift + rng.normal(0, NOISE, len(nxt))
        nxt["stage"] = code
        stages.append(nxt)
        current = nxt
    return pd.concat(stages, ignore_index=True)


def juries(rows: pd.DataFrame) -> pd.DataFrame:
    """Statuses and scores of a year's participations: each stage's quotas over the region."""
    out = rows.copy()
    out["status"] = "participant"
    out["score"] = 0.0
    for stage, (win_share, award_share) in QUOTAS.items():
        at = (out["stage"] == stage).to_numpy()
        if not at.any():
            continue
        x = out.loc[at, "x"].to_numpy()
        win, prize = np.quantile(x, 1 - win_share), np.quantile(x, 1 - award_share)
        out.loc[at, "status"] = _status(x, prize, win)
        out.loc[at, "score"] = _score(x, prize)
    return out


def generate(ctx: DemoContext) -> list[Path]:
    """``Procedure.demo``: ``<out>/olympiads/<year>/olimpiady_<year>_<municipality>.xlsx``."""
    s = olympiad_settings(ctx.config_dir)
    params = ModelParams()
    strength = _strength(ctx.schools)
    none = set(_planted_none(ctx))
    stage_names, subject_names, status_names = s.stage_names(), s.subject_names(), s.status_names()
    files: list[Path] = []
    summary: dict[str, dict[str, int]] = {}
    for year in sorted(ctx.years):
        labels = ctx.labels(year)
        enrol = enrolment_for_year(ctx.schools, ctx.seed, year, params)
        oosh = (ctx.schools["kind"] == "ООШ").to_numpy()
        registry = labels[labels["exists"]].drop_duplicates("school_code")
        serial = 0
        per_muni: dict[str, tuple[list[dict], list[dict]]] = {}
        frames = []
        for idx in np.flatnonzero(labels["exists"].to_numpy(dtype=bool)):
            code = str(labels["school_code"].iloc[idx])
            muni = str(labels["municipality_code"].iloc[idx])
            rng = rng_for(ctx.seed, "olympiads", "enrolment", year, code)
            grades = _grades(int(enrol[idx]), 9 if oosh[idx] else 11, rng)
            rows = school_year(ctx, s, year, idx, float(strength[idx]), grades, code in none)
            frames.append(rows.assign(school_code=code, municipality_code=muni))
            bands = {
                band_column(b): int(grades[b[0] - 1 : min(b[1], len(grades))].sum())
                for b in s.grade_bands
            }
            per_muni.setdefault(muni, ([], []))[1].append(
                {"school_code": code, **bands, TOTAL: int(grades.sum())}
            )
        filled = [f for f in frames if len(f)]
        if not filled:
            filled = [school_year(ctx, s, year, 0, 0.0, np.zeros(11, dtype=int), True)]
        year_rows = juries(pd.concat(filled, ignore_index=True))
        summary[str(year)] = {"rows": len(year_rows)}
        for (muni, code), rows in year_rows.groupby(
            ["municipality_code", "school_code"], sort=False
        ):
            parts = per_muni[str(muni)][0]
            codes: dict[int, str] = {}
            for r in rows.sort_values(["pupil", "stage", "subject"], kind="stable").itertuples():
                if r.pupil not in codes:
                    serial += 1
                    codes[r.pupil] = f"{year % 100:02d}-{serial:06d}"
                parts.append(
                    {
                        "stage": stage_names[r.stage],
                        "subject": subject_names[r.subject],
                        "participant_code": codes[r.pupil],
                        "school_code": str(code),
                        "grade": int(r.grade),
                        "status": status_names[r.status],
                        "score": float(r.score),
                    }
                )
        units = registry.drop_duplicates("municipality_code").sort_values("municipality_code")
        for muni, name in zip(units["municipality_code"], units["municipality_name"], strict=True):
            form = FormContext(
                year=int(year),
                municipality_code=str(muni),
                municipality_name=str(name),
                config_dir=ctx.config_dir,
                schools=registry[["school_code", "school_name", "municipality_code"]].assign(
                    municipality_name=registry["municipality_name"]
                ),
            )
            parts, counts = per_muni.get(str(muni), ([], []))
            order = {c: i for i, c in enumerate(sorted(r["school_code"] for r in counts))}
            counts = sorted(counts, key=lambda r: order[r["school_code"]])
            values = {
                PARTICIPANTS: parts,
                STUDENTS: [{k: v for k, v in r.items() if k != "school_code"} for r in counts],
            }
            path = ctx.out / FOLDER / str(int(year)) / FORM.file_name(form)
            files.append(write_form(FORM.spec(form), path, form.identity(), values))
    written = {f.resolve() for f in files}
    for path in (ctx.out / FOLDER).glob(f"*/{FORM.code}_*.xlsx"):
        if path.resolve() not in written:
            path.unlink()
    add_truth_meta(
        ctx.truth_dir,
        {
            "olympiads": {
                "weak_subject": WEAK_SUBJECT,
                "weak_shift": WEAK_SHIFT,
                "schools_without_awards_planted": sorted(none),
                "strong_schools": sorted(
                    ctx.schools.loc[ctx.schools["strong_genuine"].astype(bool), "school_code"]
                ),
                "rows_per_year": summary,
            }
        },
    )
    return files
