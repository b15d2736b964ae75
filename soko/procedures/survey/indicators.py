"""Survey indicators for schools, municipalities and the region: response rates, item
answers, indices, and their dynamics.

As for ВПР, everything is first reduced to additive counts and sums at the school grain and
rolled up (``soko.indicators.levels.roll_up``); means and shares are taken after, so a
municipality's index is the mean over its respondents, not a mean of school means. ``n`` is
the number of respondents behind a value: suppression (< 5) keys on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.config import RegionConfig
from soko.indicators import add_dynamics
from soko.indicators.levels import add_unit_names, resolve_region, roll_up, safe_divide, sort_rows
from soko.procedures.survey.settings import SurveySettings, survey_settings

KEYS = ["year", "questionnaire"]
UNIT_ORDER = ["level", "unit_code", "unit_name", "municipality_code"]


def _finish(
    table: pd.DataFrame, schools: pd.DataFrame, region: RegionConfig, keys: list[str]
) -> pd.DataFrame:
    table = add_unit_names(table, schools, region)
    return sort_rows(table, ["year", "questionnaire", "level", "unit_code", *keys])


def response_rates(
    survey_responses: pd.DataFrame,
    survey_contingents: pd.DataFrame,
    schools: pd.DataFrame,
    region: RegionConfig | None = None,
) -> pd.DataFrame:
    """Invited, responded and the response rate per unit, year and questionnaire.

    The rate counts only respondents of schools that sent a contingent (invited numbers);
    ``n`` counts every respondent.
    """
    region = resolve_region(region)
    grain = ["municipality_code", "school_code", *KEYS]
    answered = survey_responses.groupby(grain, dropna=False).size().rename("n")
    invited = survey_contingents.groupby(grain, dropna=False)["n_invited"].sum()
    both = pd.concat([answered, invited], axis=1).fillna(0).reset_index()
    both["n_counted"] = np.where(both["n_invited"] > 0, both["n"], 0)
    cols = ["n", "n_invited", "n_counted"]
    both[cols] = both[cols].astype("int64")
    table = roll_up(both, KEYS, cols, region_code=region.code, sort=False)
    table["share_responded"] = safe_divide(table["n_counted"], table["n_invited"])
    return _finish(table.drop(columns="n_counted"), schools, region, [])


def _answers_with_units(
    survey_answers: pd.DataFrame, survey_responses: pd.DataFrame
) -> pd.DataFrame:
    who = survey_responses[
        ["year", "questionnaire", "school_code", "respondent_id", "municipality_code"]
    ]
    return survey_answers.merge(
        who, on=["year", "questionnaire", "school_code", "respondent_id"], how="inner"
    )


def item_table(
    survey_answers: pd.DataFrame,
    survey_responses: pd.DataFrame,
    schools: pd.DataFrame,
    settings: SurveySettings | None = None,
    region: RegionConfig | None = None,
) -> pd.DataFrame:
    """Per unit, year, questionnaire and item: answers given (``n``), the mean answer, the
    share agreeing (4–5) and the share of each answer 1–5. Items as answered (not flipped)."""
    settings = settings or survey_settings()
    region = resolve_region(region)
    data = _answers_with_units(survey_answers, survey_responses)
    data = data[data["value"].notna()]
    value = data["value"].astype("int64")
    points = range(settings.scale_min, settings.scale_max + 1)
    counts = pd.DataFrame(
        {
            "municipality_code": data["municipality_code"],
            "school_code": data["school_code"],
            "year": data["year"],
            "questionnaire": data["questionnaire"],
            "item": data["item"],
            "n": 1,
            "_sum": value,
            "n_agree": (value >= settings.agree_from).astype("int64"),
            **{f"n_answer{v}": (value == v).astype("int64") for v in points},
        }
    )
    sums = ["n", "_sum", "n_agree", *(f"n_answer{v}" for v in points)]
    grain = ["municipality_code", "school_code", *KEYS, "item"]
    counts = counts.groupby(grain, dropna=False)[sums].sum().reset_index()
    table = roll_up(counts, [*KEYS, "item"], sums, region_code=region.code, sort=False)
    table["mean_answer"] = safe_divide(table["_sum"], table["n"])
    table["share_agree"] = safe_divide(table["n_agree"], table["n"])
    for v in points:
        table[f"share_answer{v}"] = safe_divide(table[f"n_answer{v}"], table["n"])
    table = table.drop(columns=["_sum"])
    return _finish(table, schools, region, ["item"])


def respondent_indices(
    survey_answers: pd.DataFrame,
    survey_responses: pd.DataFrame,
    settings: SurveySettings | None = None,
) -> pd.DataFrame:
    """One row per respondent and index: the mean of its answered items (reversed items
    flipped: 6 − answer), NA if fewer than ``min_answered_share`` of them are answered."""
    settings = settings or survey_settings()
    data = _answers_with_units(survey_answers, survey_responses)
    top = settings.scale_min + settings.scale_max
    frames = []
    for q_code, q in settings.questionnaires.items():
        part = data[data["questionnaire"] == q_code]
        if part.empty:
            continue
        value = part["value"].astype("float64")
        flipped = np.where(part["item"].isin(q.reversed), top - value, value)
        keys = ["year", "questionnaire", "municipality_code", "school_code", "respondent_id"]
        wide = (
            part.assign(score=flipped)
            .set_index([*keys, "item"])["score"]
            .unstack("item")
            .reindex(columns=list(q.items))
        )
        for ix in q.indices.values():
            block = wide[list(ix.items)]
            answered = block.notna().sum(axis=1)
            enough = answered >= settings.min_answered_share * len(ix.items)
            frames.append(
                pd.DataFrame(
                    {"index": ix.code, "value": block.mean(axis=1).where(enough)},
                    index=wide.index,
                ).reset_index()
            )
    cols = [
        "year",
        "questionnaire",
        "municipality_code",
        "school_code",
        "respondent_id",
        "index",
        "value",
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def index_table(
    survey_answers: pd.DataFrame,
    survey_responses: pd.DataFrame,
    schools: pd.DataFrame,
    settings: SurveySettings | None = None,
    region: RegionConfig | None = None,
) -> pd.DataFrame:
    """Per unit, year, questionnaire and index: respondents with the index (``n``), the mean
    index (1–5), the share with a high index (≥ ``high_from``), and the change since the
    previous year with data."""
    settings = settings or survey_settings()
    region = resolve_region(region)
    resp = respondent_indices(survey_answers, survey_responses, settings)
    resp = resp[resp["value"].notna()]
    counts = pd.DataFrame(
        {
            "municipality_code": resp["municipality_code"],
            "school_code": resp["school_code"],
            "year": resp["year"],
            "questionnaire": resp["questionnaire"],
            "index": resp["index"],
            "n": 1,
            "_sum": resp["value"].astype("float64"),
            "n_high": (resp["value"] >= settings.high_from).astype("int64"),
        }
    )
    grain = ["municipality_code", "school_code", *KEYS, "index"]
    sums = ["n", "_sum", "n_high"]
    counts = counts.groupby(grain, dropna=False)[sums].sum().reset_index()
    table = roll_up(counts, [*KEYS, "index"], sums, region_code=region.code, sort=False)
    table["mean_index"] = safe_divide(table["_sum"], table["n"])
    table["share_high"] = safe_divide(table["n_high"], table["n"])
    table = table.drop(columns="_sum")
    table = add_dynamics(
        table, ["mean_index", "share_high"], keys=["level", "unit_code", "questionnaire", "index"]
    )
    return _finish(table, schools, region, ["index"])
