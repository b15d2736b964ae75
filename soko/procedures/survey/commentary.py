"""Russian text and display columns for the survey pages, generated from the indicator
tables; groups of fewer than five respondents are never described."""

from __future__ import annotations

import pandas as pd

from soko.commentary import plural
from soko.config import min_group
from soko.procedures.survey.settings import SurveySettings, survey_settings
from soko.suppression import format_count, format_number, format_percent

ITEM_TEXT_LIMIT = 60


def with_names(table: pd.DataFrame, settings: SurveySettings | None = None) -> pd.DataFrame:
    """Add Russian ``questionnaire_name`` and, where present, ``index_name`` / ``item_text``."""
    settings = settings or survey_settings()
    out = table.copy()
    qs = settings.questionnaires
    out["questionnaire_name"] = out["questionnaire"].map({c: q.name for c, q in qs.items()})
    if "index" in out.columns:
        names = {(c, i): ix.name for c, q in qs.items() for i, ix in q.indices.items()}
        out["index_name"] = [
            names.get(k, k[1]) for k in zip(out["questionnaire"], out["index"], strict=True)
        ]
    if "item" in out.columns:
        out["item_text"] = [
            _short(
                f"{i}. {settings.item_text(q, i)}" + (" (обратный)" if i in qs[q].reversed else "")
            )
            if q in qs
            else i
            for q, i in zip(out["questionnaire"], out["item"], strict=True)
        ]
    return out


def signed(value: float, digits: int = 2) -> str:
    """+0,12 / −0,07 / 0,00: a change with its sign (a true minus, not a hyphen)."""
    text = format_number(abs(value), digits)
    if text.strip("0,") == "":
        return text
    return ("+" if value > 0 else "−") + text


def _short(text: str) -> str:
    return text if len(text) <= ITEM_TEXT_LIMIT else text[: ITEM_TEXT_LIMIT - 1].rstrip() + "…"


def unit_rows(
    table: pd.DataFrame,
    year: int,
    municipality: str | None = None,
    settings: SurveySettings | None = None,
) -> pd.DataFrame:
    """Rows for a page's table, in questionnaire order of the config: the region and its
    municipalities, or (with ``municipality``) the municipality and its schools by name."""
    settings = settings or survey_settings()
    part = table[table["year"] == year]
    if municipality is None:
        part = part[part["level"].isin(["region", "municipality"])]
    else:
        part = part[
            (part["municipality_code"] == municipality)
            & part["level"].isin(["municipality", "school"])
        ]
    q_rank = {code: k for k, code in enumerate(settings.questionnaires)}
    ix_rank = {
        (c, i): k for c, q in settings.questionnaires.items() for k, i in enumerate(q.indices)
    }
    keyed = part.assign(
        _q=part["questionnaire"].map(q_rank),
        _ix=[
            ix_rank.get(k, 0)
            for k in zip(
                part["questionnaire"], part.get("index", part["questionnaire"]), strict=True
            )
        ],
        _lvl=part["level"].map({"region": 0, "municipality": 1, "school": 2}),
    )
    keys = ["_q", "_ix", *(["item"] if "item" in part.columns else []), "_lvl", "unit_name"]
    return (
        keyed.sort_values(keys, kind="stable")
        .drop(columns=["_q", "_ix", "_lvl"])
        .reset_index(drop=True)
    )


def _unit(table: pd.DataFrame, level: str, code: str, year: int) -> pd.DataFrame:
    return table[(table["level"] == level) & (table["unit_code"] == code) & (table["year"] == year)]


def response_summary(
    rates: pd.DataFrame,
    year: int,
    level: str,
    code: str,
    unit_name: str,
    settings: SurveySettings | None = None,
) -> str:
    """Who answered: respondents against invited, per questionnaire."""
    settings = settings or survey_settings()
    rows = _unit(rates, level, code, year)
    if rows.empty:
        return f"{unit_name}: в {year} году анкетирование не проводилось или данных нет."
    parts = []
    for q_code, q in settings.questionnaires.items():
        row = rows[rows["questionnaire"] == q_code]
        if row.empty:
            continue
        r = row.iloc[0]
        if r["n"] < min_group():
            parts.append(
                f"{q.name.lower()}: менее {min_group()} респондентов, показатели не приводятся"
            )
            continue
        forms = plural(int(r["n"]), "анкета", "анкеты", "анкет")
        text = f"{q.name.lower()}: {format_count(r['n'])} {forms}"
        if r["n_invited"] > 0 and pd.notna(r["share_responded"]):
            text += (
                f" при {format_count(r['n_invited'])} приглашённых (охват "
                f"{format_percent(r['share_responded'])})"
            )
        parts.append(text)
    return f"{unit_name}, {year} год — " + "; ".join(parts) + "."


def index_summary(
    indices: pd.DataFrame,
    year: int,
    level: str,
    code: str,
    region_code: str | None = None,
    settings: SurveySettings | None = None,
) -> str:
    """Each index of the unit (1–5), against the region and the previous year."""
    settings = settings or survey_settings()
    rows = _unit(indices, level, code, year)
    rows = rows[rows["n"] >= min_group()]
    if rows.empty:
        return f"Индексы не приводятся: менее {min_group()} респондентов."
    region = _unit(indices, "region", region_code, year) if region_code else rows.iloc[0:0]
    sentences = []
    for q_code, q in settings.questionnaires.items():
        part = rows[rows["questionnaire"] == q_code]
        if part.empty:
            continue
        items = []
        for r in part.itertuples(index=False):
            ix = q.indices.get(r.index)
            text = f"{(ix.name if ix else r.index).lower()} {format_number(r.mean_index, 2)}"
            reg = region[(region["questionnaire"] == q_code) & (region["index"] == r.index)]
            if not reg.empty and level != "region":
                text += f" (регион {format_number(reg['mean_index'].iloc[0], 2)})"
            if pd.notna(r.prev_year) and pd.notna(r.n_prev) and r.n_prev >= min_group():
                text += f", к {int(r.prev_year)} году {signed(r.mean_index_change, 2)}"
            items.append(text)
        sentences.append(f"{q.name}: " + "; ".join(items) + ".")
    return "Индексы — средние по шкале от 1 до 5 (обратные вопросы перевёрнуты). " + " ".join(
        sentences
    )


def item_extremes(
    items_unit: pd.DataFrame, questionnaire: str, settings: SurveySettings | None = None
) -> str:
    """The statements most and least agreed with, by the share answering 4 or 5."""
    settings = settings or survey_settings()
    part = items_unit[
        (items_unit["questionnaire"] == questionnaire) & (items_unit["n"] >= min_group())
    ]
    if part.empty:
        return f"Ответов недостаточно (менее {min_group()})."
    part = part.sort_values(["share_agree", "item"], ascending=[False, True])
    top, low = part.iloc[0], part.iloc[-1]

    def quote(r: pd.Series) -> str:
        return (
            f"«{settings.item_text(questionnaire, r['item'])}» ({format_percent(r['share_agree'])})"
        )

    return (
        f"Чаще всего согласны с утверждением {quote(top)}, реже всего — {quote(low)}. "
        "Доля согласных — ответы «4» и «5»."
    )
