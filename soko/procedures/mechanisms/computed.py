"""The indicators soko computes itself (``COMPUTED_SOURCES``), per municipality and region.

A region does not type in again what its own results already say: the share of «2» in
ВПР, the share of schools with objectivity markers, the ШНОР that left the list … are read
from the derived tables the procedures and evaluation models build. Shares are in percent,
changes in percentage points against the previous calendar year.

A source table the region lacks (a procedure it does not run) gives NO row — never a zero:
the scoring leaves such an indicator unscored and the page names it. The same holds for a
unit or a year the table has no rows for.

Output, one frame: ``year, level (municipality|region), unit_code, source, value, basis``
(``basis``: the counts behind the value in words, so a reader can check it).
"""

from __future__ import annotations

import pandas as pd

from soko.procedures.mechanisms.settings import COMPUTED_SOURCES
from soko.suppression import format_number

COLUMNS = ["year", "level", "unit_code", "source", "value", "basis"]

# Where each computed indicator comes from: the procedure and its derived table (the pages
# show it beside every value, so a figure traces back to the table it was computed from).
ORIGIN: dict[str, str] = {
    "vpr_fail_share": "ВПР, таблица vpr_marks",
    "vpr_high_share": "ВПР, таблица vpr_marks",
    "vpr_fail_change": "ВПР, таблица vpr_marks",
    "oge_fail_share": "ОГЭ, таблица oge_marks",
    "oge_high_share": "ОГЭ, таблица oge_marks",
    "ege_high_share": "ЕГЭ, таблица ege_scores",
    "ege_low_share": "ЕГЭ, таблица ege_scores",
    "objectivity_marked_share": "признаки необъективности, таблица objectivity_markers",
    "objectivity_marked_change": "признаки необъективности, таблица objectivity_markers",
    "shnor_share": "категории школ (school_classes) среди школ с ВПР (vpr_marks)",
    "shnor_left_share": "категории школ (school_classes) среди школ с ВПР (vpr_marks)",
    "shnsu_share": "категории школ (school_classes) среди школ с ВПР (vpr_marks)",
    "resilient_share": "категории школ, таблица school_classes",
    "va_above_share": "добавленная ценность, таблица va_schools",
    "va_below_share": "добавленная ценность, таблица va_schools",
    "pisa_mean": "исследование по модели PISA, таблица pisa_municipalities",
    "pisa_low_share": "исследование по модели PISA, таблица pisa_municipalities",
    "survey_satisfaction": "анкетирование, таблица survey_indices",
    "survey_engagement": "анкетирование, таблица survey_indices",
    "olympiad_municipal_share": "олимпиады, таблица olympiad_units",
    "olympiad_regional_per1000": "олимпиады, таблица olympiad_units",
    "heads_diagnosed_share": "компетенции, таблица competence_units (руководители школ по реестру)",
    "teachers_diagnosed_share": (
        "компетенции (competence_units) и кадровый мониторинг (staffing_units)"
    ),
    "teachers_trained_share": "компетенции, таблица competence_units",
    "young_mentored_share": "кадровый мониторинг, таблица staffing_units (последний квартал года)",
    "vacancy_rate": "кадровый мониторинг, таблица staffing_units (последний квартал года)",
}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}).astype(
        {"year": "int64", "value": "float64"}
    )


def _has(table: pd.DataFrame | None, *columns: str) -> bool:
    return table is not None and not table.empty and set(columns) <= set(table.columns)


def _rows(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Normalise a per-unit frame (year, level, unit_code, value, basis) to :data:`COLUMNS`."""
    if frame.empty:
        return _empty()
    out = frame.assign(source=source)[COLUMNS].copy()
    out["year"] = out["year"].astype("int64")
    out["unit_code"] = out["unit_code"].astype(str)
    out["value"] = out["value"].astype("float64")
    return out.dropna(subset=["value"]).reset_index(drop=True)


def _units(table: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """Rows of a school- or unit-level table, each twice: under its municipality and under
    the region (``level``, ``unit_code`` added) — the region aggregates every school."""
    muni = table.assign(level="municipality", unit_code=table["municipality_code"].astype(str))
    reg = table.assign(level="region", unit_code=region_code)
    return pd.concat([muni, reg], ignore_index=True)


# --- marks of ВПР / ОГЭ: counts of the works of the year summed over subjects and grades ---


def _mark_share(marks: pd.DataFrame, columns: list[str], what: str) -> pd.DataFrame:
    """Share (%) of ``columns`` marks among all marks of the year, per municipality and
    region, from the unit rows of a ``<procedure>_marks`` table (every work of the year)."""
    if not _has(marks, "level", "unit_code", "year", "n", *columns):
        return pd.DataFrame()
    units = marks[marks["level"].isin(["municipality", "region"])]
    g = units.groupby(["year", "level", "unit_code"], as_index=False)[["n", *columns]].sum()
    g = g[g["n"] > 0]
    hits = g[columns].sum(axis=1)
    return g.assign(
        value=100.0 * hits / g["n"],
        basis=[f"{what}: {int(h)} из {int(n)}" for h, n in zip(hits, g["n"], strict=True)],
    )


def _change(levels: pd.DataFrame, label: str) -> pd.DataFrame:
    """p.p. change of a yearly value against the calendar year before (no year before → no
    row)."""
    if levels.empty:
        return levels
    prev = levels[["year", "level", "unit_code", "value"]].assign(year=levels["year"] + 1)
    both = levels.merge(
        prev, on=["year", "level", "unit_code"], suffixes=("", "_prev"), how="inner"
    )
    return both.assign(
        value=both["value"] - both["value_prev"],
        basis=[
            f"{label} {format_number(a)} % в {y} г. против {format_number(b)} % в {y - 1} г."
            for a, b, y in zip(both["value"], both["value_prev"], both["year"], strict=True)
        ],
    )


# --- school shares: objectivity markers, school classes, value added ---


def _school_share(schools: pd.DataFrame, flag: str, region_code: str, what: str) -> pd.DataFrame:
    """Share (%) of schools with ``flag`` among ``schools`` (one row per school and year,
    with ``municipality_code``), per municipality and region."""
    if schools.empty:
        return pd.DataFrame()
    units = _units(schools, region_code)
    g = units.groupby(["year", "level", "unit_code"], as_index=False).agg(
        n=("school_code", "nunique"), k=(flag, "sum")
    )
    g = g[g["n"] > 0]
    return g.assign(
        value=100.0 * g["k"] / g["n"],
        basis=[f"{what}: {int(k)} из {int(n)}" for k, n in zip(g["k"], g["n"], strict=True)],
    )


def _vpr_schools(vpr_marks: pd.DataFrame) -> pd.DataFrame:
    """The schools that wrote ВПР each year (the population ШНОР/ШНСУ are screened in)."""
    if not _has(vpr_marks, "level", "unit_code", "municipality_code", "year"):
        return pd.DataFrame()
    s = vpr_marks[vpr_marks["level"] == "school"]
    return (
        s[["year", "unit_code", "municipality_code"]]
        .drop_duplicates()
        .rename(columns={"unit_code": "school_code"})
        .astype({"school_code": str, "municipality_code": str})
    )


def _classed(
    base: pd.DataFrame, school_classes: pd.DataFrame, cls: str, year_shift: int = 0
) -> pd.Series:
    """Whether each (year, school) of ``base`` is of class ``cls`` in ``year + year_shift``."""
    if not _has(school_classes, "year", "school_code", "class"):
        return pd.Series(False, index=base.index)
    c = school_classes[school_classes["class"] == cls]
    keys = set(zip(c["year"].astype(int), c["school_code"].astype(str), strict=True))
    return pd.Series(
        [
            (int(y) + year_shift, s) in keys
            for y, s in zip(base["year"], base["school_code"], strict=True)
        ],
        index=base.index,
    )


def compute_all(
    *,
    region_code: str,
    vpr_marks: pd.DataFrame | None = None,
    oge_marks: pd.DataFrame | None = None,
    ege_scores: pd.DataFrame | None = None,
    objectivity_markers: pd.DataFrame | None = None,
    school_classes: pd.DataFrame | None = None,
    va_schools: pd.DataFrame | None = None,
    pisa_municipalities: pd.DataFrame | None = None,
    survey_indices: pd.DataFrame | None = None,
    staffing_units: pd.DataFrame | None = None,
    competence_units: pd.DataFrame | None = None,
    olympiad_units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every name in ``COMPUTED_SOURCES`` that the given tables allow, one row per value."""
    vpr_marks = vpr_marks if vpr_marks is not None else pd.DataFrame()
    parts: list[pd.DataFrame] = []

    def add(frame: pd.DataFrame, source: str) -> None:
        parts.append(_rows(frame, source))

    vpr_fail = _mark_share(vpr_marks, ["n_mark2"], "отметок «2»")
    add(vpr_fail, "vpr_fail_share")
    add(_mark_share(vpr_marks, ["n_mark4", "n_mark5"], "отметок «4» и «5»"), "vpr_high_share")
    add(_change(_rows(vpr_fail, "x"), "доля «2»"), "vpr_fail_change")
    add(_mark_share(oge_marks, ["n_mark2"], "отметок «2»"), "oge_fail_share")
    add(_mark_share(oge_marks, ["n_mark4", "n_mark5"], "отметок «4» и «5»"), "oge_high_share")
    add(_ege(ege_scores, "n_high", "n", "результатов от 81 балла"), "ege_high_share")
    add(
        _ege(ege_scores, "n_below_min", "n_with_min", "результатов ниже минимального балла"),
        "ege_low_share",
    )

    if _has(
        objectivity_markers, "year", "school_code", "municipality_code", "n_markers", "n_works"
    ):
        om = objectivity_markers  # type: ignore[index]
        om = om[om["n_works"] > 0].assign(
            marked=lambda t: t["n_markers"] > 0,
            school_code=lambda t: t["school_code"].astype(str),
            municipality_code=lambda t: t["municipality_code"].astype(str),
        )
        marked = _school_share(om, "marked", region_code, "школ с признаками необъективности")
        add(marked, "objectivity_marked_share")
        add(_change(_rows(marked, "x"), "доля школ с признаками"), "objectivity_marked_change")

    base = _vpr_schools(vpr_marks)
    if not base.empty and school_classes is not None and "class" in school_classes.columns:
        for cls, source, what in (
            ("shnor", "shnor_share", "ШНОР"),
            ("shnsu", "shnsu_share", "ШНСУ"),
        ):
            add(
                _school_share(
                    base.assign(flag=_classed(base, school_classes, cls)), "flag", region_code, what
                ),
                source,
            )
        # ШНОР of last year that are not ШНОР this year, among last year's ШНОР
        years = set(base["year"].astype(int))
        prev = base.assign(
            was=_classed(base, school_classes, "shnor", -1),
            now=_classed(base, school_classes, "shnor"),
        )
        prev = prev[prev["was"] & prev["year"].sub(1).isin(years)]
        add(
            _school_share(
                prev.assign(left=~prev["now"]),
                "left",
                region_code,
                "ШНОР прошлого года вышли из списка",
            ),
            "shnor_left_share",
        )
        shnsu = base.assign(
            shnsu=_classed(base, school_classes, "shnsu"),
            res=_classed(base, school_classes, "resilient"),
        )
        add(
            _school_share(shnsu[shnsu["shnsu"]], "res", region_code, "резильентных среди ШНСУ"),
            "resilient_share",
        )

    if _has(va_schools, "year", "school_code", "municipality_code", "band"):
        va = va_schools.assign(  # type: ignore[union-attr]
            school_code=lambda t: t["school_code"].astype(str),
            municipality_code=lambda t: t["municipality_code"].astype(str),
        )
        per_school = va.groupby(["year", "municipality_code", "school_code"], as_index=False).agg(
            above=("band", lambda b: bool((b == "above").any())),
            below=("band", lambda b: bool((b == "below").any())),
        )
        add(
            _school_share(
                per_school, "above", region_code, "школ с добавленной ценностью выше ожидаемой"
            ),
            "va_above_share",
        )
        add(
            _school_share(
                per_school, "below", region_code, "школ с добавленной ценностью ниже ожидаемой"
            ),
            "va_below_share",
        )

    if _has(
        pisa_municipalities, "year", "level", "unit_code", "domain", "mean", "share_below_baseline"
    ):
        p = pisa_municipalities[pisa_municipalities["level"].isin(["municipality", "region"])]  # type: ignore[index]
        g = p.groupby(["year", "level", "unit_code"], as_index=False).agg(
            mean=("mean", "mean"), low=("share_below_baseline", "mean"), k=("domain", "nunique")
        )
        add(
            g.assign(value=g["mean"], basis=[f"среднее по {k} областям" for k in g["k"]]),
            "pisa_mean",
        )
        add(
            g.assign(value=100.0 * g["low"], basis=[f"среднее по {k} областям" for k in g["k"]]),
            "pisa_low_share",
        )

    if _has(survey_indices, "year", "level", "unit_code", "questionnaire", "index", "mean_index"):
        s = survey_indices[survey_indices["level"].isin(["municipality", "region"])]  # type: ignore[index]
        for questionnaire, index, source, who in (
            ("parents", "satisfaction", "survey_satisfaction", "родителей"),
            ("students", "engagement", "survey_engagement", "обучающихся"),
        ):
            rows = s[(s["questionnaire"] == questionnaire) & (s["index"] == index)]
            add(
                rows.assign(
                    value=rows["mean_index"], basis=[f"{int(n)} анкет {who}" for n in rows["n"]]
                ),
                source,
            )

    for frame, source in _monitoring(staffing_units, competence_units, olympiad_units):
        add(frame, source)

    out = (
        pd.concat([p for p in parts if not p.empty], ignore_index=True)
        if any(not p.empty for p in parts)
        else _empty()
    )
    unknown = set(out["source"]) - set(COMPUTED_SOURCES)
    if unknown:  # a programming error, not a user's: every name must be declared
        raise RuntimeError(f"undeclared computed sources: {sorted(unknown)}")
    return out.sort_values(["source", "year", "level", "unit_code"], kind="stable").reset_index(
        drop=True
    )


def _ege(ege_scores: pd.DataFrame | None, hits: str, total: str, what: str) -> pd.DataFrame:
    if not _has(ege_scores, "level", "unit_code", "year", hits, total):
        return pd.DataFrame()
    units = ege_scores[ege_scores["level"].isin(["municipality", "region"])]  # type: ignore[index]
    g = units.groupby(["year", "level", "unit_code"], as_index=False)[[hits, total]].sum()
    g = g[g[total] > 0]
    return g.assign(
        value=100.0 * g[hits] / g[total],
        basis=[f"{what}: {int(h)} из {int(n)}" for h, n in zip(g[hits], g[total], strict=True)],
    )


# --- the other monitoring (issue 13): unit tables with counts, so each share is a ratio of
# sums the basis can state. Staffing is quarterly: a year's value is its latest quarter's (the
# state at the end of the period the municipality is assessed for, not a mean of quarters).


def _unit_rows(table: pd.DataFrame | None, *columns: str) -> pd.DataFrame:
    """The municipality and region rows of a unit table having ``columns`` (else empty)."""
    if not _has(table, "year", "level", "unit_code", *columns):
        return pd.DataFrame()
    units = table[table["level"].isin(["municipality", "region"])]  # type: ignore[index]
    return units.assign(unit_code=units["unit_code"].astype(str))


def _count(x: float) -> str:
    """A count as counted: 12 → «12», 10.5 positions (ставки) → «10,5»."""
    return str(int(x)) if float(x).is_integer() else format_number(x)


def _ratio(frame: pd.DataFrame, num: str, den: str, basis: str, per: float = 100.0) -> pd.DataFrame:
    """``per × num / den`` per (year, level, unit); ``basis`` states the counts (``{k}``,
    ``{n}``). A unit with a zero or missing denominator gives no value (not 0 or infinity)."""
    if frame.empty:
        return pd.DataFrame()
    g = frame[frame[den].notna() & (frame[den] > 0) & frame[num].notna()]
    return g.assign(
        value=per * g[num] / g[den],
        basis=[basis.format(k=_count(k), n=_count(n)) for k, n in zip(g[num], g[den], strict=True)],
    )


def _latest_quarter(staffing: pd.DataFrame) -> pd.DataFrame:
    if staffing.empty or "quarter" not in staffing.columns:
        return staffing
    last = staffing.groupby(["year", "level", "unit_code"])["quarter"].transform("max")
    return staffing[staffing["quarter"] == last]


def _monitoring(
    staffing_units: pd.DataFrame | None,
    competence_units: pd.DataFrame | None,
    olympiad_units: pd.DataFrame | None,
) -> list[tuple[pd.DataFrame, str]]:
    out: list[tuple[pd.DataFrame, str]] = []
    keys = ["year", "level", "unit_code"]

    oly = _unit_rows(
        olympiad_units,
        "students_7_11",
        "participants_municipal_7_11",
        "winners_regional",
        "students_total",
    )
    if not oly.empty:
        out.append(
            (
                _ratio(
                    oly,
                    "participants_municipal_7_11",
                    "students_7_11",
                    "участников муниципального этапа: {k} из {n} обучающихся 7–11 классов",
                ),
                "olympiad_municipal_share",
            )
        )
        out.append(
            (
                _ratio(
                    oly,
                    "winners_regional",
                    "students_total",
                    "победителей и призёров регионального этапа: {k} на {n} обучающихся",
                    per=1000.0,
                ),
                "olympiad_regional_per1000",
            )
        )

    staff = _latest_quarter(
        _unit_rows(
            staffing_units,
            "quarter",
            "teachers",
            "positions",
            "vacant",
            "young_specialists",
            "young_mentored",
        )
    )
    if not staff.empty:
        out.append(
            (_ratio(staff, "vacant", "positions", "вакантных ставок: {k} из {n}"), "vacancy_rate")
        )
        out.append(
            (
                _ratio(
                    staff,
                    "young_mentored",
                    "young_specialists",
                    "молодых специалистов с наставником: {k} из {n}",
                ),
                "young_mentored_share",
            )
        )

    comp = _unit_rows(
        competence_units, "role", "diagnosed", "with_deficit", "trained", "units_total"
    )
    if not comp.empty:
        heads = comp[comp["role"] == "head"]
        out.append(
            (
                _ratio(
                    heads,
                    "diagnosed",
                    "units_total",
                    "руководителей прошли диагностику: {k} из {n} школ",
                ),
                "heads_diagnosed_share",
            )
        )
        teachers = comp[comp["role"] == "teacher"]
        out.append(
            (
                _ratio(
                    teachers,
                    "trained",
                    "with_deficit",
                    "прошли адресное обучение: {k} из {n} учителей с дефицитами",
                ),
                "teachers_trained_share",
            )
        )
        if not staff.empty:
            both = teachers.drop(columns=["teachers"], errors="ignore").merge(
                staff[[*keys, "teachers"]], on=keys, how="inner"
            )
            out.append(
                (
                    _ratio(
                        both, "diagnosed", "teachers", "учителей прошли диагностику: {k} из {n}"
                    ),
                    "teachers_diagnosed_share",
                )
            )
    return out
