"""The demo-region generator: determinism, the raw formats of docs/data_formats.md, internal
consistency of every row, where the truth goes, and the signatures of planted manipulations."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from soko.config import region, vpr_scale, vpr_subjects
from soko.paths import config_dir
from soko.pipeline.demo import DemoSummary, generate_demo

SEED = 20260415
TASK_HEADER = re.compile(r"^(?P<label>\d+(?:\.\d+|К\d+)?) \((?P<max>[1-4])б\)$")
TITLE = re.compile(r"^ВПР (?P<year>\d{4}) (?P<subject>.+) (?P<grade>\d) класс$")
HEAD = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант"]
TAIL = ["Первичный балл", "Отметка", "Отметка по журналу"]
MISSING_TASK = {"X", "Х"}


@dataclass
class Sheet:
    path: Path
    year: int
    subject: str
    grade: int
    rows: list[tuple]  # the whole first sheet, values only

    @property
    def header(self) -> list[str]:
        return list(self.rows[8])

    @property
    def task_cols(self) -> list[int]:
        return list(range(len(HEAD), len(self.header) - len(TAIL)))

    @property
    def data(self) -> list[tuple]:
        return self.rows[9:]

    def task_max(self) -> list[int]:
        return [int(TASK_HEADER.match(self.header[j])["max"]) for j in self.task_cols]


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read_sheets(raw: Path, pattern: str = "vpr/*/*.xlsx") -> list[Sheet]:
    codes = {name: code for code, name in vpr_subjects().items()}
    out = []
    for path in sorted(raw.glob(pattern)):
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        m = TITLE.match(rows[0][0])
        assert m, rows[0][0]
        out.append(Sheet(path, int(m["year"]), codes[m["subject"]], int(m["grade"]), rows))
    return out


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    root = tmp_path_factory.mktemp("demo_a")
    return generate_demo(out=root / "raw", seed=SEED, size="small")


@pytest.fixture(scope="module")
def raw(gen: DemoSummary) -> Path:
    return gen.truth_dir.parent / "raw"


@pytest.fixture(scope="module")
def sheets(raw: Path) -> list[Sheet]:
    return _read_sheets(raw)


@pytest.fixture(scope="module")
def registry(raw: Path) -> pd.DataFrame:
    return pd.read_csv(raw / "registry" / "reestr_oo.csv", sep=";", encoding="cp1251", dtype=str)


def test_same_seed_same_bytes_any_workers_other_seed_differs(
    gen: DemoSummary, tmp_path: Path
) -> None:
    first = _hashes(gen.truth_dir.parent)
    again = generate_demo(out=tmp_path / "b" / "raw", seed=SEED, size="small", workers=2)
    assert _hashes(again.truth_dir.parent) == first
    other = generate_demo(out=tmp_path / "c" / "raw", seed=SEED + 1, size="small")
    other_hashes = _hashes(other.truth_dir.parent)
    assert other_hashes.keys() == first.keys()
    raw_files = [k for k in first if k.startswith("raw/")]
    assert all(first[k] != other_hashes[k] for k in raw_files)


def test_small_counts_and_files(gen: DemoSummary, raw: Path, registry: pd.DataFrame) -> None:
    cfg = region()
    assert gen.n_municipalities == 3
    assert sorted(registry["Код МО"].unique()) == ["01", "02", "03"]
    assert gen.n_schools == len(registry) == registry["Код ОО"].nunique()
    assert 12 <= gen.n_schools <= 18
    assert sorted(gen.n_students_per_year) == list(cfg.years)
    assert all(n > 300 for n in gen.n_students_per_year.values())
    works = [(k, 4) for k in ("ru", "ma", "om")] + [
        (k, g) for g in (5, 6, 7, 8) for k in ("ru", "ma", "hi", "bi")
    ]
    expected = {raw / "registry" / "reestr_oo.csv"}
    expected |= {raw / "context" / f"kontekst_oo_{y}.csv" for y in cfg.years}
    expected |= {
        raw / "vpr" / str(y) / f"vpr_{y}_{k}_{g}.xlsx" for y in cfg.years for k, g in works
    }
    # the other procedures' demo files lie in their own raw folders (soko.procedures)
    from soko.registry import discover

    folders = [raw / p.ingester.folder for p in discover() if p.demo is not None]
    others = set(gen.files) - expected
    assert set(gen.files) >= expected
    assert all(any(f.is_relative_to(d) for d in folders) for f in others)
    assert {p for p in raw.rglob("*") if p.is_file()} == set(gen.files)


def test_registry_csv(raw: Path, registry: pd.DataFrame) -> None:
    assert list(registry.columns) == [
        "Код ОО",
        "Наименование ОО",
        "Код МО",
        "Муниципальное образование",
        "Вид ОО",
        "Тип местности",
        "Действует с",
        "Действует по",
        "Статус",
        "Код ОО-правопреемника",
    ]
    assert registry["Код ОО"].str.fullmatch(r"edu99\d{4}").all()
    assert set(registry["Вид ОО"]) <= {"СОШ", "ООШ", "Лицей", "Гимназия"}
    assert set(registry["Тип местности"]) == {"Город", "Село"}
    selective = registry[registry["Вид ОО"].isin(["Лицей", "Гимназия"])]
    assert len(selective) >= 1 and (selective["Тип местности"] == "Город").all()
    first = region().municipalities_in(min(region().years))  # the registry names its first year
    assert (registry["Муниципальное образование"] == registry["Код МО"].map(first)).all()
    text = (raw / "registry" / "reestr_oo.csv").read_bytes().decode("cp1251")
    assert "«" in text and "№" in text and "\r\n" in text


def test_context_csv_decimal_comma(raw: Path, registry: pd.DataFrame) -> None:
    for year in region().years:
        path = raw / "context" / f"kontekst_oo_{year}.csv"
        lines = path.read_bytes().decode("cp1251").splitlines()
        assert lines[0] == "Код ОО;Год;Численность обучающихся;ИСБШ"
        assert all(re.fullmatch(r"-?\d+,\d{2}", line.split(";")[3]) for line in lines[1:])
        ctx = pd.read_csv(path, sep=";", encoding="cp1251", decimal=",", dtype={"Код ОО": str})
        assert ctx["ИСБШ"].dtype == float
        ended = registry.loc[pd.to_numeric(registry["Действует по"]) < year, "Код ОО"]
        assert set(ctx["Код ОО"]) == set(registry["Код ОО"]) - set(ended)
        assert (ctx["Год"] == year).all() and (ctx["Численность обучающихся"] > 0).all()
        assert abs(ctx["ИСБШ"].mean()) < 0.01 and abs(ctx["ИСБШ"].std(ddof=0) - 1) < 0.01


def test_vpr_layout(sheets: list[Sheet], registry: pd.DataFrame) -> None:
    cfg = region()
    subject_names = vpr_subjects()
    code_of = dict(zip(registry["Код ОО"], registry["Код МО"], strict=True))
    assert len(sheets) == 3 * 19
    for sh in sheets:
        assert sh.path.name == f"vpr_{sh.year}_{sh.subject}_{sh.grade}.xlsx"
        scale = vpr_scale(sh.year, sh.subject, sh.grade)
        assert scale is not None
        r = sh.rows
        assert r[1][0] == "Индивидуальные результаты участников"
        assert r[2][:2] == ("Предмет:", subject_names[sh.subject])
        assert r[3][:2] == ("Максимальный первичный балл:", scale.max_score)
        assert r[4][0] == "Дата:" and re.fullmatch(rf"\d\d\.0[45]\.{sh.year}", r[4][1])
        assert r[5][:2] == ("Регион:", cfg.name)
        assert all(v is None for v in r[6])
        head = sh.header
        assert head[: len(HEAD)] == HEAD and head[-len(TAIL) :] == TAIL
        assert all(TASK_HEADER.match(head[j]) for j in sh.task_cols)
        assert sum(sh.task_max()) == scale.max_score
        levels = r[7]
        assert levels[0] == "Уровень сложности"
        task_levels = [levels[j] for j in sh.task_cols]
        assert set(task_levels) == {"Б", "П"}
        assert task_levels == sorted(task_levels)  # basic first, then advanced
        assert 0.55 <= task_levels.count("Б") / len(task_levels) <= 0.85
        others = [v for j, v in enumerate(levels) if j not in sh.task_cols and j > 0]
        assert all(v in (None, "") for v in others)
        assert sh.data
        for row in sh.data:
            # the municipality as it was that year (03 is an okrug from 2026)
            mun = cfg.municipalities_in(sh.year)[code_of[row[0]]]
            assert re.fullmatch(r"edu99\d{4}", row[0]) and row[1] == mun
            # a merged school's students under its successor: «9» before their codes
            assert re.fullmatch(r"9?\d{5}", row[3]) and row[4].startswith(str(sh.grade))
            assert isinstance(row[5], int)


def test_blueprint_same_across_years(sheets: list[Sheet]) -> None:
    by_work: dict[tuple[str, int], set[tuple]] = defaultdict(set)
    for sh in sheets:
        by_work[(sh.subject, sh.grade)].add((tuple(sh.header), tuple(sh.rows[7])))
    assert all(len(v) == 1 for v in by_work.values())
    ru5 = next(iter(by_work[("ru", 5)]))[0]
    assert "1К1 (4б)" in ru5 and any(re.match(r"\d+\.\d+ ", h) for sh in sheets for h in sh.header)


def test_every_row_consistent_with_scale(sheets: list[Sheet]) -> None:
    n_cells = n_missing = n_journal_missing = n_rows = 0
    seen_markers: set[str] = set()
    for sh in sheets:
        scale = vpr_scale(sh.year, sh.subject, sh.grade)
        maxima = sh.task_max()
        cols = sh.task_cols
        codes_in_school: set[tuple[str, str]] = set()
        for row in sh.data:
            total = 0
            for j, m in zip(cols, maxima, strict=True):
                v = row[j]
                n_cells += 1
                if isinstance(v, str):
                    assert v in MISSING_TASK, v
                    seen_markers.add(v)
                    n_missing += 1
                else:
                    assert isinstance(v, int) and 0 <= v <= m
                    total += v
            primary, mark, journal = row[-3:]
            assert primary == total
            assert mark == scale.mark(primary)
            assert journal in (2, 3, 4, 5, "НЕТ ОТМЕТКИ")
            n_journal_missing += journal == "НЕТ ОТМЕТКИ"
            n_rows += 1
            assert (row[0], row[3]) not in codes_in_school
            codes_in_school.add((row[0], row[3]))
    assert seen_markers == MISSING_TASK
    assert 0.005 <= n_missing / n_cells <= 0.025
    assert 0.02 <= n_journal_missing / n_rows <= 0.09


def test_changed_maximum_gets_its_own_blueprint(tmp_path: Path) -> None:
    """A new year's scale with another maximum: a new task structure summing to it."""
    config = tmp_path / "config"
    shutil.copytree(config_dir(), config)
    scales = yaml.safe_load((config / "vpr_scales.yml").read_text(encoding="utf-8"))
    scales["scales"][2026]["ma"][4] = {"max": 22, "marks": [7, 11, 16]}
    (config / "vpr_scales.yml").write_text(yaml.safe_dump(scales, allow_unicode=True), "utf-8")
    reg = yaml.safe_load((config / "region.yml").read_text(encoding="utf-8"))
    reg["years"] = [2025, 2026]  # fewer files: faster
    (config / "region.yml").write_text(yaml.safe_dump(reg, allow_unicode=True), "utf-8")
    gen = generate_demo(out=tmp_path / "raw", size="small", config_dir=config)
    core = {"registry", "context", "vpr"}  # other procedures' files: their own tests
    assert len([f for f in gen.files if f.relative_to(tmp_path / "raw").parts[0] in core]) == (
        1 + 2 + 2 * 19
    )
    old, new = _read_sheets(tmp_path / "raw", "vpr/*/vpr_*_ma_4.xlsx")
    assert (old.year, sum(old.task_max()), new.year, sum(new.task_max())) == (2025, 20, 2026, 22)
    assert new.rows[3][1] == 22 and new.header != old.header
    scale = vpr_scale(2026, "ma", 4, config)
    for row in new.data:
        assert row[-3] == sum(v for v in row[6:-3] if isinstance(v, int))
        assert row[-2] == scale.mark(row[-3])


def test_participant_codes_unique_within_school_and_year(sheets: list[Sheet]) -> None:
    """A code is one student of a school in a year: the same class in every subject."""
    classes: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for sh in sheets:
        for row in sh.data:
            classes[(sh.year, row[0], row[3])].add(row[4])
    assert all(len(v) == 1 for v in classes.values())


def test_truth_outside_out(gen: DemoSummary, raw: Path, tmp_path: Path) -> None:
    assert gen.truth_dir == raw.parent / "truth"
    assert not gen.truth_dir.resolve().is_relative_to(raw.resolve())
    names = {p.name for p in gen.truth_dir.iterdir()}
    assert {"schools.parquet", "planted.parquet", "truth.json", "README.md"} <= names
    assert not [p for p in raw.rglob("*") if p.suffix in (".parquet", ".json", ".md")]
    with pytest.raises(ValueError, match="truth_out"):
        generate_demo(out=tmp_path / "raw", size="small", truth_out=tmp_path / "raw" / "truth")


def test_truth_tables(gen: DemoSummary, registry: pd.DataFrame) -> None:
    schools = pd.read_parquet(gen.truth_dir / "schools.parquet")
    for col in (
        "school_code",
        "municipality_code",
        "kind",
        "locality",
        "context",
        "true_effect",
        "strong_genuine",
    ):
        assert col in schools.columns
    assert set(schools["school_code"]) == set(registry["Код ОО"])
    strong = schools[schools["strong_genuine"]]
    assert len(strong) >= 1 and strong["kind"].isin(["Лицей", "Гимназия"]).all()
    assert (
        strong["true_effect"].min() > schools.loc[~schools["strong_genuine"], "true_effect"].max()
    )
    village = schools["locality"] == "Село"
    assert schools.loc[village, "context"].mean() < schools.loc[~village, "context"].mean()
    planted = pd.read_parquet(gen.truth_dir / "planted.parquet")
    assert set(planted["kind"]) == {
        "hard_task_inflation",
        "threshold_bunching",
        "journal_inflation",
        "answer_copying",
    }
    assert not set(planted["school_code"]) & set(strong["school_code"])
    assert planted["share_affected"].between(0, 1).all() and planted["share_affected"].max() > 0
    meta = json.loads((gen.truth_dir / "truth.json").read_text(encoding="utf-8"))
    assert meta["seed"] == SEED and meta["size"] == "small" and "parameters" in meta


def _results(sheets: list[Sheet]) -> pd.DataFrame:
    rows = []
    for sh in sheets:
        levels = [sh.rows[7][j] for j in sh.task_cols]
        maxima = np.array(sh.task_max())
        adv = np.array([lvl == "П" for lvl in levels])
        t3, t4, t5 = vpr_scale(sh.year, sh.subject, sh.grade).thresholds
        for row in sh.data:
            pts = np.array([v if isinstance(v, int) else 0 for v in (row[j] for j in sh.task_cols)])
            journal = row[-1]
            rows.append(
                {
                    "year": sh.year,
                    "subject": sh.subject,
                    "grade": sh.grade,
                    "school_code": row[0],
                    "primary": row[-3],
                    "mark": row[-2],
                    "journal": journal if isinstance(journal, int) else np.nan,
                    "t": (t3, t4, t5),
                    "adv_minus_basic": pts[adv].sum() / maxima[adv].sum()
                    - pts[~adv].sum() / maxima[~adv].sum(),
                }
            )
    return pd.DataFrame(rows)


def test_planted_signatures(gen: DemoSummary, sheets: list[Sheet]) -> None:
    """Planted files differ from clean ones in the way each manipulation should show."""
    res = _results(sheets)
    planted = pd.read_parquet(gen.truth_dir / "planted.parquet")
    key = ["school_code", "year", "subject", "grade"]
    res = res.merge(planted[[*key, "kind"]], on=key, how="left")
    res["kind"] = res["kind"].fillna("clean")
    clean = res[res["kind"] == "clean"]

    def kind(name: str) -> pd.DataFrame:
        part = res[res["kind"] == name]
        assert len(part) >= 20, name
        return part

    gap = lambda df: (df["journal"] - df["mark"]).mean()  # noqa: E731
    assert gap(kind("journal_inflation")) > gap(clean) + 0.3

    def above_share(df: pd.DataFrame) -> float:
        above = below = 0
        for p, ts in zip(df["primary"], df["t"], strict=True):
            above += any(t <= p <= t + 1 for t in ts)
            below += any(t - 2 <= p <= t - 1 for t in ts)
        return above / (above + below)

    assert above_share(kind("threshold_bunching")) > above_share(clean) + 0.2
    hard = kind("hard_task_inflation")
    assert hard["adv_minus_basic"].mean() > clean["adv_minus_basic"].mean() + 0.15


def test_answer_copying_signature(gen: DemoSummary, sheets: list[Sheet]) -> None:
    """Dictated answers: classmates' task-score vectors nearly coincide far more often."""
    planted = pd.read_parquet(gen.truth_dir / "planted.parquet")
    copying = planted[(planted["kind"] == "answer_copying") & (planted["n_affected"] >= 3)]
    assert len(copying)
    cols = ["year", "subject", "grade", "school_code"]
    keys = set(copying[cols].itertuples(index=False, name=None))
    near: dict[bool, list[float]] = {
        True: [],
        False: [],
    }  # copying file? -> share of near-identical classmate pairs
    for sh in sheets:
        groups: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
        for row in sh.data:
            vec = np.array(
                [v if isinstance(v, int) else -1 for v in (row[j] for j in sh.task_cols)]
            )
            groups[(row[0], row[4])].append(vec)
        by_school: dict[str, list[float]] = defaultdict(list)
        for (school, _), vecs in groups.items():
            m = np.array(vecs)
            if len(m) < 5:
                continue
            i, j = np.triu_indices(len(m), 1)
            by_school[school].append(float(((m[i] != m[j]).sum(axis=1) <= 1).mean()))
        for school, shares in by_school.items():
            near[(sh.year, sh.subject, sh.grade, school) in keys].append(max(shares))
    assert np.mean(near[True]) > np.mean(near[False]) + 0.1
