"""Detection power measured against a planted truth (the demo generator's ``data/truth``).

The pipeline never reads the truth; the benchmark and the tests pass it here. A **planted
unit** is a school × year × subject × grade the generator manipulated that the screen can
judge (enough participants: a non-missing index). Units whose manipulation changed fewer
than ``min_affected`` participants can be set aside (``weak``): a screen of groups of 10-60
cannot tell one or two changed answers from chance. **Clean units** belong to schools that
never manipulate and are not ``strong_genuine``; strong schools are counted on their own.
A detector flags a unit when its z reaches the marker bar: the combined index via
``marker``, a single signal via its own z (no correction for the other signals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.objectivity.settings import SIGNALS
from soko.objectivity.works import UNIT_KEYS

INDEX = "index"


@dataclass(frozen=True)
class Detection:
    """One detector's figures on one region."""

    detector: str
    planted_units: int
    recall: float
    precision: float
    clean_units: int
    false_positive_rate: float
    school_recall: float  # planted schools with a flagged planted unit
    school_false_positive_rate: float  # clean schools with any flagged unit
    strong_units_marked: int
    strong_schools_marked: int


def label_units(
    signals: pd.DataFrame,
    planted: pd.DataFrame,
    truth_schools: pd.DataFrame,
    *,
    min_affected: int = 1,
) -> pd.DataFrame:
    """Signals with ``kind`` (planted kind or NaN), ``status`` and ``judged``.

    ``status``: planted (the manipulation changed at least ``min_affected`` participants),
    weak (it changed fewer: left out of every rate), planted_school (a manipulating school's
    other works), strong, clean.
    """
    keys = list(UNIT_KEYS)
    active = planted[planted["n_affected"] > 0][[*keys, "kind", "n_affected", "share_affected"]]
    out = signals.merge(active, on=keys, how="left")
    planted_schools = set(planted["school_code"])
    strong = set(truth_schools.loc[truth_schools["strong_genuine"], "school_code"])
    code = out["school_code"]
    is_planted = out["kind"].notna()
    out["status"] = np.select(
        [
            is_planted & (out["n_affected"] >= min_affected),
            is_planted,
            code.isin(planted_schools),
            code.isin(strong),
        ],
        ["planted", "weak", "planted_school", "strong"],
        "clean",
    )
    out["judged"] = out["index_z"].notna()
    return out


def flags(labelled: pd.DataFrame, detector: str, bar: float) -> np.ndarray:
    if detector == INDEX:
        return (labelled["marker"] == 1).to_numpy()
    return (labelled[f"{detector}_z"] >= bar).fillna(False).to_numpy(dtype=bool)


def detection(labelled: pd.DataFrame, detector: str, bar: float) -> Detection:
    """Recall, precision and false-positive rates of one detector on judged units."""
    judged = labelled[labelled["judged"] & (labelled["status"] != "weak")]
    hit = flags(judged, detector, bar)
    planted = (judged["status"] == "planted").to_numpy()
    clean = (judged["status"] == "clean").to_numpy()
    strong = (judged["status"] == "strong").to_numpy()
    codes = judged["school_code"].to_numpy()
    planted_schools = set(codes[planted])
    found_schools = set(codes[planted & hit])
    clean_schools = set(codes[clean])
    flagged_clean_schools = set(codes[clean & hit])
    return Detection(
        detector=detector,
        planted_units=int(planted.sum()),
        recall=_ratio(hit[planted].sum(), planted.sum()),
        precision=_ratio((hit & planted).sum(), hit.sum()),
        clean_units=int(clean.sum()),
        false_positive_rate=_ratio(hit[clean].sum(), clean.sum()),
        school_recall=_ratio(len(found_schools), len(planted_schools)),
        school_false_positive_rate=_ratio(len(flagged_clean_schools), len(clean_schools)),
        strong_units_marked=int(hit[strong].sum()),
        strong_schools_marked=len(set(codes[strong & hit])),
    )


def detection_table(labelled: pd.DataFrame, bar: float) -> pd.DataFrame:
    """``detection`` for every signal and the combined index, one row each."""
    rows = [detection(labelled, d, bar).__dict__ for d in (*SIGNALS, INDEX)]
    return pd.DataFrame(rows)


def recall_by_kind(labelled: pd.DataFrame, bar: float) -> pd.DataFrame:
    """Recall of every detector (rows) on every planted kind (columns), judged units only."""
    planted = labelled[labelled["judged"] & (labelled["status"] == "planted")]
    out = {}
    for det in (*SIGNALS, INDEX):
        hit = pd.Series(flags(planted, det, bar), index=planted.index)
        out[det] = hit.groupby(planted["kind"]).mean()
    table = pd.DataFrame(out).T
    counts = planted.groupby("kind").size().rename("units").to_frame().T
    return pd.concat([table, counts])


def school_year_rates(labelled: pd.DataFrame) -> dict[str, float]:
    """The federal-list view: share of school-years with at least one (two) markers, for
    school-years with a planted unit and for clean schools' school-years."""
    judged = labelled[labelled["judged"]]
    per = judged.groupby(["school_code", "year"]).agg(
        markers=("marker", "sum"),
        planted=("status", lambda s: bool((s == "planted").any())),
        clean=("status", lambda s: bool((s == "clean").all())),
    )
    return {
        "planted_school_years": int(per["planted"].sum()),
        "planted_recall_1": _ratio(
            (per.loc[per["planted"], "markers"] >= 1).sum(), per["planted"].sum()
        ),
        "clean_school_years": int(per["clean"].sum()),
        "clean_with_1": _ratio((per.loc[per["clean"], "markers"] >= 1).sum(), per["clean"].sum()),
        "clean_with_2": _ratio((per.loc[per["clean"], "markers"] >= 2).sum(), per["clean"].sum()),
    }


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")
