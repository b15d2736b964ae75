"""The school registry with history: which school existed in a year, under which name and in
which municipality, and where a merged school's history continues today.

A municipal reform, a merger or a renamed school must not make an earlier year's files wrong:
each year's rows are checked against the registry *as it was that year* (:func:`as_of`), and
canonical rows carry that year's municipality. Dynamics and value added may instead be shown
in today's boundaries (:func:`to_today`), where a merged school's results continue under its
successor and a former district's schools count in the municipality they belong to now.

The registry is the canonical table ``school_periods``: one row per school per period
(``valid_from`` / ``valid_to`` are years, NA = unbounded). A registry file without period
columns gives one unbounded period per school, valid for every year. A leaf below the
formats, procedures and indicators: it knows pandas and the region's config only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pandas as pd

from soko.config import RegionConfig, region
from soko.schema import SCHEMAS

SCHOOL_COLUMNS = tuple(SCHEMAS["schools"])
PERIOD_COLUMNS = ("valid_from", "valid_to", "status", "successor_code")

# the «Статус» of a period says how the period ended (blank: it has not ended)
ACTIVE = "действует"
RENAMED = "переименована"
MOVED = "переведена"
MERGED = "присоединена"
CLOSED = "закрыта"
STATUSES = (ACTIVE, RENAMED, MOVED, MERGED, CLOSED)


def periods(registry: pd.DataFrame) -> pd.DataFrame:
    """``registry`` with the period columns present (a registry without them: every school
    valid for every year), years as nullable integers."""
    out = registry.copy()
    for col in PERIOD_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    out["valid_from"] = pd.to_numeric(out["valid_from"], errors="coerce").astype("Int64")
    out["valid_to"] = pd.to_numeric(out["valid_to"], errors="coerce").astype("Int64")
    out["status"] = out["status"].astype("string")
    out["successor_code"] = out["successor_code"].astype("string")
    return out


def _covers(reg: pd.DataFrame, year: int) -> pd.Series:
    start = reg["valid_from"].fillna(-1) <= year
    end = reg["valid_to"].fillna(99999) >= year
    return (start & end).astype(bool)


def as_of(registry: pd.DataFrame, year: int, cfg: RegionConfig | None = None) -> pd.DataFrame:
    """One row per school that existed in ``year``: its code, name, municipality code and the
    municipality's name that year (the config's name for the code, else the registry's)."""
    reg = periods(registry)
    out = reg[_covers(reg, int(year))].drop_duplicates("school_code", keep="last")
    names = (cfg or region()).municipalities_in(int(year))
    mapped = out["municipality_code"].map(names).astype("string")
    out = out.assign(municipality_name=mapped.fillna(out["municipality_name"]))
    return out.reset_index(drop=True)


def municipality_names(registry: pd.DataFrame) -> dict[str, str]:
    """Municipality code → its name today: ``config/region.yml``'s (a unit renamed by a
    reform — the okrug formed in 2026 — is named as it is now), else the registry's. For
    tables in today's boundaries; :func:`as_of` names a year's units as they were then."""
    out: dict[str, str] = {}
    if not registry.empty and {"municipality_code", "municipality_name"} <= set(registry.columns):
        munis = registry.drop_duplicates("municipality_code", keep="last")
        out = dict(zip(munis["municipality_code"], munis["municipality_name"], strict=True))
    out.update(region().municipalities)
    return out


def as_of_in_build(registry: pd.DataFrame, year: int) -> pd.DataFrame:
    """The schools that existed in ``year`` (:func:`as_of`), counted where the build counts
    their results: with ``boundaries: today`` (the default) under the municipality their
    history counts in today, so a denominator taken from the registry («heads diagnosed of the
    municipality's schools») matches numerators read through :func:`table_to_today`; with
    ``boundaries: year`` as that year's registry had them. One row per school of that year —
    two schools merged later are still two schools in a year they both existed."""
    cfg = region()
    out = as_of(registry, year, cfg)
    if cfg.boundaries != "today" or periods(registry)["valid_to"].isna().all():
        return out
    muns = today_municipalities(registry, cfg)
    now = today(registry)
    names = dict(zip(now["municipality_code"], now["municipality_name"], strict=False))
    names.update(cfg.municipalities)
    code = out["school_code"].map(muns).fillna(out["municipality_code"])
    return out.assign(
        municipality_code=code.astype(out["municipality_code"].dtype),
        municipality_name=code.map(names).fillna(out["municipality_name"]).astype("string"),
    )


def by_year(registry: pd.DataFrame, column: str) -> Callable[[int], dict[str, str]]:
    """``year -> {school_code: column value that year}``, each year computed once: the lookup
    an ingest passes where it used to zip today's registry."""

    @cache
    def lookup(year: int) -> dict[str, str]:
        frame = as_of(registry, year)
        return dict(zip(frame["school_code"], frame[column], strict=True))

    return lookup


def today(registry: pd.DataFrame) -> pd.DataFrame:
    """Today's registry (the canonical ``schools``): the open-ended period of each school."""
    reg = periods(registry)
    now = reg[reg["valid_to"].isna()].drop_duplicates("school_code", keep="last")
    return now[list(SCHOOL_COLUMNS)].sort_values("school_code", ignore_index=True)


def today_codes(registry: pd.DataFrame) -> dict[str, str]:
    """Every code the registry knows -> the code its history continues under today: merged
    schools follow their successors (chains followed, a cycle stops where it closes)."""
    reg = periods(registry)
    merged = reg[reg["status"] == MERGED].dropna(subset=["successor_code"])
    direct = dict(zip(merged["school_code"], merged["successor_code"], strict=True))
    out: dict[str, str] = {}
    for code in reg["school_code"].dropna().unique():
        seen, cur = {code}, code
        while cur in direct and direct[cur] not in seen:
            cur = direct[cur]
            seen.add(cur)
        out[str(code)] = str(cur)
    return out


def today_code(registry: pd.DataFrame, school_code: str) -> str:
    """The code ``school_code``'s history continues under today (itself if not merged)."""
    return today_codes(registry).get(school_code, school_code)


def today_municipalities(registry: pd.DataFrame, cfg: RegionConfig | None = None) -> dict[str, str]:
    """Every code -> the municipality its history counts in today: the today school's current
    municipality; for a closed school, its last municipality followed to its successor unit."""
    cfg = cfg or region()
    reg = periods(registry)
    last = (
        reg.assign(_end=reg["valid_to"].fillna(99999))
        .sort_values(["school_code", "_end"], kind="stable")
        .drop_duplicates("school_code", keep="last")
    )
    last_mun = dict(zip(last["school_code"], last["municipality_code"], strict=True))
    successors = cfg.municipality_successors()
    codes = today_codes(reg)
    return {
        code: successors.get(last_mun[now], last_mun[now])
        for code, now in codes.items()
        if now in last_mun
    }


def to_today(frame: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in today's boundaries: ``school_code`` replaced by the code its history
    continues under, ``municipality_code`` (when present) by that school's municipality today.
    Rows of schools the registry does not know keep their codes."""
    if "school_code" not in frame.columns or frame.empty:
        return frame
    codes = today_codes(registry)
    muns = today_municipalities(registry)
    out = frame.copy()
    old = out["school_code"]
    out["school_code"] = old.map(codes).fillna(old).astype(old.dtype)
    if "municipality_code" in out.columns:
        now = old.map(muns)
        out["municipality_code"] = now.fillna(out["municipality_code"]).astype(
            out["municipality_code"].dtype
        )
    return out


def not_in_year_text(registry: pd.DataFrame, school_code: str, year: int) -> str | None:
    """Why a code the registry knows cannot appear in ``year`` (None: it can, or the registry
    does not know it at all — the contract's «не найден в реестре» says that)."""
    reg = periods(registry)
    own = reg[reg["school_code"] == school_code]
    if own.empty or _covers(own, int(year)).any():
        return None
    before = own[own["valid_to"].fillna(99999) < year]
    if not before.empty:
        last = before.sort_values("valid_to").iloc[-1]
        status, end = last["status"], int(last["valid_to"])
        if status == MERGED and pd.notna(last["successor_code"]):
            return (
                f"ОО {school_code} по реестру действовала по {end} год: с {end + 1} года "
                f"присоединена к {last['successor_code']}; укажите код правопреемника"
            )
        if status == CLOSED:
            return f"ОО {school_code} по реестру закрыта: действовала по {end} год"
        return f"ОО {school_code} по реестру действовала по {end} год, а файл за {year} год"
    first = int(own["valid_from"].dropna().min())
    return f"ОО {school_code} по реестру действует с {first} года, а файл за {year} год"


def at_year(
    lookup: Callable[[int], dict[str, str]], codes: pd.Series, years: pd.Series
) -> pd.Series:
    """Per row, ``lookup(year)[code]`` (NA where the year is missing or the code unknown that
    year): for files whose rows carry their own year (РЦОИ protocols, surveys)."""
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    year_num = pd.to_numeric(years, errors="coerce")
    for year in year_num.dropna().unique():
        mask = (year_num == year).to_numpy()
        out[mask] = codes[mask].map(lookup(int(year))).astype("string")
    return out


# columns that identify a person within a school: made unique when two schools' rows meet
# under one successor code (the same participant code may exist in both schools)
_PERSON_COLUMNS = ("participant_code", "respondent_id", "student_id")
REGISTRY_TABLES = ("schools", "school_periods")


def table_to_today(name: str, frame: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """A canonical table in today's boundaries (the one place dynamics and value added get
    them): results follow their school's successor and today's municipality; a merged
    school's own context rows are dropped (its successor's context stands for both); person
    codes of moved rows get the former school's code appended, so keys stay unique."""
    if name in REGISTRY_TABLES or "school_code" not in frame.columns or frame.empty:
        return frame
    if periods(registry)["valid_to"].isna().all():
        return frame  # no school ever ended a period: today's boundaries are every year's
    moved = frame["school_code"].map(today_codes(registry)).fillna(frame["school_code"])
    moved = (moved != frame["school_code"]).to_numpy()
    out = to_today(frame, registry)
    if name == "school_context":
        return out[~moved].reset_index(drop=True)
    for col in _PERSON_COLUMNS:
        if col in out.columns and moved.any():
            suffix = "-" + frame.loc[moved, "school_code"].astype("string")
            out.loc[moved, col] = out.loc[moved, col].astype("string") + suffix
    return out
