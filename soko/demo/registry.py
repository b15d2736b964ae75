"""Schools of the demo region: names, kinds, sizes, context and true school effects.

Cities (municipalities named «г. …») hold large urban schools, with a few lyceums and
gymnasiums; districts have a small district centre (town schools, ``Город``) and villages
(``Село``: small СОШ and very small ООШ). The context index is lower in villages and higher in
lyceums/gymnasiums. The true effect ``u_s`` raises a school's level in every grade; a few
large city lyceums/gymnasiums get a genuinely high ``u_s`` (``strong_genuine``) and are never
given planted manipulations, so later work can check they are not falsely flagged. The value
added ``true_va`` (growth per year, independent of ``u_s``) is what a value-added model that
conditions on prior attainment should recover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.config import RegionConfig
from soko.demo.model import (
    CITY,
    KIND_GYMNASIUM,
    KIND_LYCEUM,
    KIND_OOSH,
    KIND_SOSH,
    SELECTIVE_KINDS,
    VILLAGE,
    ModelParams,
    SizeProfile,
    rng_for,
)

# Invented-or-generic village names (common all over Russia, so they point to no real region):
# (name, settlement prefix, feminine adjective for names like «Ивановская ООШ»).
VILLAGES: tuple[tuple[str, str, str], ...] = (
    ("Ивановка", "с.", "Ивановская"),
    ("Никольское", "с.", "Никольская"),
    ("Покровка", "с.", "Покровская"),
    ("Берёзовка", "с.", "Берёзовская"),
    ("Сосновка", "с.", "Сосновская"),
    ("Михайловка", "с.", "Михайловская"),
    ("Каменка", "с.", "Каменская"),
    ("Дубровка", "д.", "Дубровская"),
    ("Алексеевка", "с.", "Алексеевская"),
    ("Ольховка", "д.", "Ольховская"),
    ("Подгорное", "с.", "Подгорненская"),
    ("Луговое", "с.", "Луговская"),
    ("Знаменка", "с.", "Знаменская"),
    ("Малиновка", "д.", "Малиновская"),
    ("Вязовка", "д.", "Вязовская"),
    ("Рождественское", "с.", "Рождественская"),
    ("Троицкое", "с.", "Троицкая"),
    ("Ильинка", "с.", "Ильинская"),
    ("Горки", "д.", "Горковская"),
    ("Выселки", "п.", "Выселковская"),
    ("Озерки", "с.", "Озерковская"),
    ("Боровое", "с.", "Боровская"),
    ("Васильевка", "с.", "Васильевская"),
    ("Петровское", "с.", "Петровская"),
    ("Воскресенское", "с.", "Воскресенская"),
    ("Успенка", "с.", "Успенская"),
    ("Крутой Яр", "с.", "Крутоярская"),
    ("Черёмушки", "п.", "Черёмушкинская"),
    ("Заречье", "д.", "Зареченская"),
    ("Заречное", "с.", "Заречненская"),
    ("Полевое", "с.", "Полевская"),
    ("Лесное", "п.", "Лесновская"),
    ("Садовое", "с.", "Садовская"),
    ("Хуторки", "д.", "Хуторская"),
    ("Новосёлки", "д.", "Новосёлковская"),
    ("Старая Слобода", "с.", "Старослободская"),
    ("Верхние Ключи", "с.", "Верхнеключевская"),
    ("Нижние Ключи", "с.", "Нижнеключевская"),
    ("Красная Поляна", "п.", "Краснополянская"),
    ("Гремячее", "с.", "Гремяченская"),
    ("Студенец", "д.", "Студенецкая"),
    ("Осиновка", "д.", "Осиновская"),
    ("Кленовка", "д.", "Кленовская"),
    ("Рябинки", "д.", "Рябинковская"),
    ("Медведево", "с.", "Медведевская"),
    ("Лебяжье", "с.", "Лебяжинская"),
    ("Журавлёвка", "с.", "Журавлёвская"),
    ("Гусевка", "д.", "Гусевская"),
    ("Ракитное", "с.", "Ракитянская"),
    ("Тополёвка", "д.", "Тополёвская"),
    ("Вишнёвое", "с.", "Вишнёвская"),
    ("Липовка", "с.", "Липовская"),
    ("Сухой Лог", "п.", "Сухоложская"),
    ("Белый Ключ", "с.", "Белоключевская"),
    ("Мирный", "п.", "Мирнинская"),
    ("Степное", "с.", "Степновская"),
    ("Овражки", "д.", "Овражковская"),
    ("Прудки", "д.", "Прудковская"),
    ("Колосовка", "с.", "Колосовская"),
    ("Дмитриевка", "с.", "Дмитриевская"),
    ("Андреевка", "с.", "Андреевская"),
    ("Екатериновка", "с.", "Екатериновская"),
    ("Варваровка", "д.", "Варваровская"),
    ("Сергиевка", "с.", "Сергиевская"),
    ("Фёдоровка", "с.", "Фёдоровская"),
    ("Кузьминки", "д.", "Кузьминская"),
    ("Высокое", "с.", "Высоковская"),
    ("Заовражье", "д.", "Заовражская"),
    ("Соколовка", "с.", "Соколовская"),
    ("Грачёвка", "с.", "Грачёвская"),
    ("Сорокино", "с.", "Сорокинская"),
    ("Пески", "д.", "Песковская"),
)

SCHOOL_COLUMNS = (
    "school_code",
    "school_name",
    "municipality_code",
    "municipality_name",
    "kind",
    "locality",
    "place",  # city / town (district centre) / village
    "cohort",  # expected students per grade
    "context",  # latent context, standardised over schools
    "true_effect",  # u_s
    "true_va",  # value added: ability gained per year at the school, beyond the region's
    "strong_genuine",
    "leniency",  # journal generosity of the school
)


def is_city(municipality_name: str) -> bool:
    return municipality_name.startswith("г. ")


def city_genitive(municipality_name: str) -> str:
    """«г. Новоберёзовск» -> «г. Новоберёзовска» (names ending in a consonant; else unchanged)."""
    town = municipality_name.removeprefix("г. ")
    head, sep, tail = town.partition("-на-")
    if head and head[-1].lower() not in "аеёиоуыэюяй":
        head += "а"
    return f"г. {head}{sep}{tail}"


def district_adjective(municipality_name: str, feminine: bool = True) -> str:
    """«Калиновский район» -> «Калиновская» (or the masculine «Калиновский»)."""
    adj = municipality_name.split(" ")[0]
    if not feminine:
        return adj
    for end in ("ий", "ый"):
        if adj.endswith(end):
            return adj[: -len(end)] + "ая"
    return adj


def allocate_schools(n_schools: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split n_schools over municipalities by weight (largest remainder), each at least minimum."""
    counts = np.full(len(weights), minimum, dtype=int)
    rest = n_schools - counts.sum()
    if rest < 0:
        raise ValueError("too few schools for the number of municipalities")
    share = weights / weights.sum() * rest
    base = np.floor(share).astype(int)
    remainder = share - base
    counts += base
    left = rest - base.sum()
    order = np.argsort(-remainder, kind="stable")
    counts[order[:left]] += 1
    return counts


def _city_schools(
    n: int, mun_name: str, p: ModelParams, rng: np.random.Generator
) -> list[tuple[str, str, str]]:
    """(name, kind, place) of a city's schools, ordered by kind and number."""
    n_lyc = max(1, round(p.city_lyceum_share * n))
    n_gym = max(1, round(p.city_gymnasium_share * n))
    n_oosh = round(p.city_oosh_share * n)
    n_sosh = max(0, n - n_lyc - n_gym - n_oosh)
    gen = city_genitive(mun_name)
    numbers = np.sort(
        rng.choice(np.arange(1, int((n_sosh + n_oosh) * 1.3) + 3), n_sosh + n_oosh, replace=False)
    )
    kinds = [KIND_SOSH] * n_sosh + [KIND_OOSH] * n_oosh
    order = rng.permutation(len(kinds))
    out: list[tuple[str, str, str]] = []
    for num, pos in zip(numbers, order, strict=True):
        kind = kinds[pos]
        out.append((f"МБОУ «{kind} № {num} {gen}»", kind, "city"))
    lyc_numbers = np.sort(rng.choice(np.arange(1, n_lyc + 3), n_lyc, replace=False))
    gym_numbers = np.sort(rng.choice(np.arange(1, n_gym + 3), n_gym, replace=False))
    out += [(f"МАОУ «Лицей № {k} {gen}»", KIND_LYCEUM, "city") for k in lyc_numbers]
    out += [(f"МБОУ «Гимназия № {k} {gen}»", KIND_GYMNASIUM, "city") for k in gym_numbers]
    return out


def _district_schools(
    n: int, mun_name: str, p: ModelParams, rng: np.random.Generator
) -> list[tuple[str, str, str]]:
    """(name, kind, place) of a district's schools: the district centre first, then villages."""
    n_town = max(1, round(p.district_town_share * n))
    fem = district_adjective(mun_name)
    masc = district_adjective(mun_name, feminine=False)
    out: list[tuple[str, str, str]] = []
    selective = n_town >= 2 and rng.random() < p.town_selective_prob
    n_town_sosh = n_town - int(selective)
    for k in range(1, n_town_sosh + 1):
        out.append((f"МБОУ «{fem} СОШ № {k}»", KIND_SOSH, "town"))
    if selective:
        if rng.random() < 0.5:
            out.append((f"МБОУ «{fem} гимназия»", KIND_GYMNASIUM, "town"))
        else:
            out.append((f"МБОУ «{masc} лицей»", KIND_LYCEUM, "town"))
    n_village = n - n_town
    picks = rng.choice(len(VILLAGES), size=min(n_village, len(VILLAGES)), replace=False)
    for i in range(n_village):
        name, prefix, adj = VILLAGES[picks[i % len(picks)]]
        kind = KIND_OOSH if rng.random() < p.village_oosh_share else KIND_SOSH
        org = "МКОУ" if kind == KIND_OOSH else "МБОУ"
        suffix = f" № {i // len(picks) + 1}" if i >= len(picks) else ""
        if rng.random() < 0.5:
            out.append((f"{org} «{kind} {prefix} {name}{suffix}»", kind, "village"))
        else:
            out.append((f"{org} «{adj} {kind}{suffix}»", kind, "village"))
    return out


def _cohort_median(kind: str, place: str, p: ModelParams) -> float:
    if kind == KIND_OOSH:
        return p.cohort_oosh
    selective = kind in SELECTIVE_KINDS
    if place == "city":
        return p.cohort_city_selective if selective else p.cohort_city_sosh
    if place == "town":
        return p.cohort_town_selective if selective else p.cohort_town_sosh
    return p.cohort_village_sosh


def build_schools(
    seed: int,
    profile: SizeProfile,
    municipalities: dict[str, str],
    region_code: str,
    params: ModelParams,
) -> pd.DataFrame:
    """The school table (one row per school) with its latent context and true effect."""
    rng = rng_for(seed, "schools")
    munis = list(municipalities.items())[: profile.n_municipalities]
    if len(munis) < profile.n_municipalities:
        raise ValueError(
            f"config/region.yml has {len(munis)} municipalities, size "
            f"{profile.name!r} needs {profile.n_municipalities}"
        )
    weights = np.array(
        [
            (params.city_weight if is_city(name) else 1.0) * rng.uniform(0.8, 1.2)
            for _, name in munis
        ]
    )
    counts = allocate_schools(profile.n_schools, weights, params.min_schools_per_municipality)
    if counts.max() > 99:
        raise ValueError("more than 99 schools in a municipality: school codes would clash")

    rows: list[dict[str, object]] = []
    mun_context = rng.normal(0.0, params.context_municipality_sd, len(munis))
    for m_idx, ((mun_code, mun_name), n) in enumerate(zip(munis, counts, strict=True)):
        mrng = rng_for(seed, "municipality", mun_code)
        if is_city(mun_name):
            schools = _city_schools(int(n), mun_name, params, mrng)
        else:
            schools = _district_schools(int(n), mun_name, params, mrng)
        for i, (name, kind, place) in enumerate(schools, start=1):
            rows.append(
                {
                    "school_code": f"edu{region_code}{mun_code}{i:02d}",
                    "school_name": name,
                    "municipality_code": mun_code,
                    "municipality_name": mun_name,
                    "kind": kind,
                    "locality": VILLAGE if place == "village" else CITY,
                    "place": place,
                    "_mun": m_idx,
                }
            )
    df = pd.DataFrame(rows)
    n_all = len(df)
    place = df["place"].to_numpy()
    kind = df["kind"].to_numpy()
    selective = np.isin(kind, SELECTIVE_KINDS)

    medians = np.array([_cohort_median(k, pl, params) for k, pl in zip(kind, place, strict=True)])
    # Village schools are small in any region: the size profile scales urban schools only.
    scale = np.where(place == "village", 1.0, profile.cohort_scale)
    cohort = medians * np.exp(rng.normal(0.0, params.cohort_log_sd, n_all)) * scale

    raw_context = (
        mun_context[df["_mun"].to_numpy()]
        + np.where(place == "village", params.context_village_shift, 0.0)
        + np.where(place == "town", params.context_town_shift, 0.0)
        + np.where(selective, params.context_selective_shift, 0.0)
        + rng.normal(0.0, params.context_resid_sd, n_all)
    )
    context = (raw_context - raw_context.mean()) / raw_context.std()

    effect = np.clip(
        rng.normal(0.0, params.school_effect_sd, n_all),
        -params.school_effect_clip,
        params.school_effect_clip,
    )
    # Strong genuine schools: the largest city lyceums/gymnasiums, made large and effective.
    strong = np.zeros(n_all, dtype=bool)
    candidates = np.flatnonzero(selective & (place == "city"))
    candidates = candidates[np.argsort(-cohort[candidates], kind="stable")][: profile.n_strong]
    strong[candidates] = True
    city_median = params.cohort_city_sosh * profile.cohort_scale
    cohort[strong] = np.maximum(cohort[strong], params.strong_min_cohort_factor * city_median)
    effect[strong] = rng.uniform(params.strong_effect_low, params.strong_effect_high, strong.sum())

    df["cohort"] = np.round(cohort, 2)
    df["context"] = context
    df["true_effect"] = effect
    df["strong_genuine"] = strong
    df["leniency"] = rng.normal(params.leniency_mean, params.leniency_sd, n_all)
    # Growth has its own stream (adding it moved no other draw) and is independent of u_s;
    # centred on enrolment so the region's mean ability stays 0 in every grade.
    va = rng_for(seed, "value_added").normal(0.0, params.va_sd, n_all)
    df["true_va"] = va - np.average(va, weights=df["cohort"].to_numpy())
    return df.drop(columns="_mun")[list(SCHOOL_COLUMNS)].reset_index(drop=True)


def isbs_for_year(schools: pd.DataFrame, seed: int, year: int, params: ModelParams) -> np.ndarray:
    """The year's published ИСБШ: context measured with error, standardised over schools."""
    rng = rng_for(seed, "isbs", year)
    raw = schools["context"].to_numpy() + rng.normal(0.0, params.isbs_year_noise_sd, len(schools))
    return (raw - raw.mean()) / raw.std()


def enrolment_for_year(
    schools: pd.DataFrame, seed: int, year: int, params: ModelParams
) -> np.ndarray:
    """Students enrolled in all grades (1-11; 1-9 in an ООШ) for the context file."""
    rng = rng_for(seed, "enrolment", year)
    grades = np.where(schools["kind"].to_numpy() == KIND_OOSH, 9, 11)
    noise = np.exp(rng.normal(0.0, 0.06, len(schools)))
    return np.maximum(1, np.round(schools["cohort"].to_numpy() * grades * noise)).astype(int)


# --- the region's history: a school merger and a municipal reform -------------------------

MERGER_YEAR = 2025  # the first year the merged school's students appear under its successor


@dataclass(frozen=True)
class SchoolMerger:
    """The demo's school merger: ``merged`` (row index) joins ``successor`` from ``year``."""

    merged: int
    successor: int
    year: int


def school_merger(schools: pd.DataFrame, years: tuple[int, ...]) -> SchoolMerger | None:
    """The smallest village school of the first district merges into the next smallest school
    of the same district (a neighbouring village school) from :data:`MERGER_YEAR`: too small to
    be planted with manipulations, so the planted truth is untouched (a village neighbour when
    there is one, so the students' locality stays what it was). None when the years do
    not span the merger or the district has a single school."""
    if not (min(years) < MERGER_YEAR <= max(years)):
        return None
    districts = schools[~schools["municipality_name"].map(is_city)]
    if districts.empty:
        return None
    first = districts["municipality_code"].iloc[0]
    own = schools[schools["municipality_code"] == first]
    village = own[own["place"] == "village"]
    if len(own) < 2 or village.empty:
        return None
    merged = int(village["cohort"].idxmin())
    rest = own.drop(index=merged)
    neighbours = rest[rest["place"] == "village"]  # a village school joins a village school
    rest = neighbours if not neighbours.empty else rest
    return SchoolMerger(merged, int(rest["cohort"].idxmin()), MERGER_YEAR)


def _municipality_in(code: str, year: int, cfg: RegionConfig) -> tuple[str, str]:
    """(code, name) of the municipality a school of ``code`` belongs to in ``year``: a former
    district's schools are in its successor from the year after it ended."""
    names = cfg.municipalities_in(year)
    successors = {p.code: p.successor for p in cfg.municipality_periods if p.successor}
    seen = {code}
    while code not in names and successors.get(code) and successors[code] not in seen:
        code = str(successors[code])
        seen.add(code)
    return code, names.get(code, cfg.municipality_name(code))


def labels_in(
    schools: pd.DataFrame, year: int, *, cfg: RegionConfig, merger: SchoolMerger | None
) -> pd.DataFrame:
    """What a ``year``'s files write for each school (rows in ``schools`` order): code, name,
    municipality code and name as the registry had them that year; the merged school's
    students under its successor (``participant_prefix`` keeps their codes apart from the
    successor's own); ``exists``: False for the merged school after the merger (no context
    row, no survey)."""
    out = pd.DataFrame(
        {
            "school_code": schools["school_code"].to_numpy(),
            "school_name": schools["school_name"].to_numpy(),
            "municipality_code": schools["municipality_code"].to_numpy(),
            "participant_prefix": "",
            "exists": True,
        }
    )
    if merger is not None and year >= merger.year:
        m, s = merger.merged, merger.successor
        for col in ("school_code", "school_name", "municipality_code"):
            out.loc[m, col] = out.loc[s, col]
        out.loc[m, "participant_prefix"] = "9"
        out.loc[m, "exists"] = False
    now = [_municipality_in(str(c), year, cfg) for c in out["municipality_code"]]
    out["municipality_code"] = [c for c, _ in now]
    out["municipality_name"] = [n for _, n in now]
    return out


def registry_periods(
    schools: pd.DataFrame, years: tuple[int, ...], cfg: RegionConfig, merger: SchoolMerger | None
) -> pd.DataFrame:
    """The registry file's rows with history: one row per school per period. A school of a
    former district gets a second period in its successor municipality; the merged school
    ends the year before the merger with its successor's code."""
    rows: list[dict[str, object]] = []
    for idx, school in schools.reset_index(drop=True).iterrows():
        base = {c: school[c] for c in SCHOOL_COLUMNS[:6]}
        base.update(valid_from=None, valid_to=None, status=None, successor_code=None)
        if merger is not None and idx == merger.merged:
            rows.append(
                {
                    **base,
                    "valid_to": merger.year - 1,
                    "status": "присоединена",
                    "successor_code": schools["school_code"].iloc[merger.successor],
                }
            )
            continue
        start = None
        for year in years:
            code, name = _municipality_in(str(school["municipality_code"]), year, cfg)
            if code == str(base["municipality_code"]):
                continue
            rows.append({**base, "valid_from": start, "valid_to": year - 1, "status": "переведена"})
            base = {**base, "municipality_code": code, "municipality_name": name}
            start = year
            break
        rows.append({**base, "valid_from": start})
    return pd.DataFrame(rows)
