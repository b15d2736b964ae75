"""Writers of the raw files in the layouts of ``docs/data_formats.md``, and of the truth.

The raw files imitate what a region receives: cp1251 ``;`` CSVs with CRLF line ends and
decimal commas, and ФИС ОКО «Индивидуальные результаты» workbooks. Workbooks are written by
xlsxwriter in constant-memory mode with a fixed ``created`` property (xlsxwriter already fixes
the zip entries' timestamps), so the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from soko.demo.vpr import FileData, FileJob, cell_rows
from soko.schema import columns

REGISTRY_HEADER = (
    "Код ОО",
    "Наименование ОО",
    "Код МО",
    "Муниципальное образование",
    "Вид ОО",
    "Тип местности",
)
CONTEXT_HEADER = ("Код ОО", "Год", "Численность обучающихся", "ИСБШ")
VPR_HEAD = ("ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант")
VPR_TAIL = ("Первичный балл", "Отметка", "Отметка по журналу")
LEVEL_ROW_LABEL = "Уровень сложности"
FIRST_DATA_ROW = 9  # 0-based: row 10 of the sheet


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """cp1251, ``;``, CRLF: how regional offices' Windows exports look."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1251", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def decimal_comma(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    if float(text) == 0.0:
        text = f"{0.0:.{digits}f}"  # no «-0,00»
    return text.replace(".", ",")


REGISTRY_PERIOD_HEADER = ("Действует с", "Действует по", "Статус", "Код ОО-правопреемника")


def write_registry(path: Path, schools: pd.DataFrame) -> Path:
    """The registry file: the canonical columns, plus the period columns when ``schools`` has
    them (a registry with history: ``soko.demo.registry.registry_periods``)."""
    cols = columns("schools")  # the registry file carries exactly the canonical columns
    if "valid_from" not in schools.columns:
        return write_csv(path, REGISTRY_HEADER, schools[cols].itertuples(index=False, name=None))
    cols += ["valid_from", "valid_to", "status", "successor_code"]
    rows = (
        ["" if v is None or pd.isna(v) else (str(int(v)) if isinstance(v, float) else v) for v in r]
        for r in schools[cols].itertuples(index=False, name=None)
    )
    return write_csv(path, (*REGISTRY_HEADER, *REGISTRY_PERIOD_HEADER), rows)


def write_context(
    path: Path,
    schools: pd.DataFrame,
    year: int,
    enrolment: Sequence[int],
    isbs: Sequence[float],
    exists: Sequence[bool] | None = None,
) -> Path:
    """One year's context; ``exists`` leaves out schools that no longer exist that year."""
    alive = exists if exists is not None else [True] * len(schools)
    rows = (
        (code, year, int(n), decimal_comma(float(v)))
        for code, n, v, ok in zip(schools["school_code"], enrolment, isbs, alive, strict=True)
        if ok
    )
    return write_csv(path, CONTEXT_HEADER, rows)


def write_vpr_workbook(job: FileJob, data: FileData) -> Path:
    """One «Индивидуальные результаты» workbook: metadata rows, level row, header, data."""
    job.path.parent.mkdir(parents=True, exist_ok=True)
    bp = job.blueprint
    wb = xlsxwriter.Workbook(
        str(job.path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties(
        {
            "title": f"ВПР {job.year} {job.subject_name} {job.grade} класс",
            "author": "ФИС ОКО (демо)",
            "created": datetime(job.year, 5, 25, 9, 0, 0),
        }
    )
    ws = wb.add_worksheet("Результаты")
    bold = wb.add_format({"bold": True})
    n_head = len(VPR_HEAD)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 40)
    ws.set_column(3, n_head - 1, 9)
    ws.write_string(0, 0, f"ВПР {job.year} {job.subject_name} {job.grade} класс", bold)
    ws.write_string(1, 0, "Индивидуальные результаты участников")
    ws.write_row(2, 0, ["Предмет:", job.subject_name])
    ws.write_string(3, 0, "Максимальный первичный балл:")
    ws.write_number(3, 1, bp.max_score)
    ws.write_row(4, 0, ["Дата:", job.date])
    ws.write_row(5, 0, ["Регион:", job.region_name])
    ws.write_string(7, 0, LEVEL_ROW_LABEL)
    ws.write_row(7, n_head, list(bp.levels))
    ws.write_row(8, 0, [*VPR_HEAD, *bp.headers, *VPR_TAIL], bold)
    write_row = ws.write_row
    for r, row in enumerate(cell_rows(job, data), start=FIRST_DATA_ROW):
        write_row(r, 0, row)
    wb.close()
    return job.path


README = """# Truth of the soko demo region (seed {seed}, size {size})

Written by `soko demo` beside `data/raw/`, never inside it: the pipeline must not read it.
It is the answer key for tests and benchmarks of how well soko recovers the planted truth.

- `schools.parquet` — one row per school: `school_code`, `municipality_code`, `kind`,
  `locality`, `context` (latent context, standardised; the yearly ИСБШ files measure it with
  noise), `true_effect` (u_s, in student-ability SDs: the school's level in every grade),
  `true_va` (value added: growth per year, see `value_added.parquet`), `strong_genuine`
  (large lyceums/gymnasiums with genuinely high effects and clean data: must not be
  flagged), plus `school_name`, `place`, `cohort` (expected students per
  grade), `leniency` (journal generosity).
- `planted.parquet` — one row per manipulated school × year × subject × grade: `kind`
  (`hard_task_inflation`, `threshold_bunching`, `journal_inflation`, `answer_copying`),
  `share_affected` (students whose data the manipulation changed / participants of the school
  in that file),
  `intensity`, `n_participants`, `n_affected`.
- `school_effects.parquet` — per school × year × subject the mean ability offset used
  (`true_effect` + subject and year deviations + a planted measure's gain, before context
  and intake).
- `tasks.parquet` — per year × subject × grade the blueprint: task labels, maxima, levels,
  item difficulty and discrimination.
- `value_added.parquet` — the growth a value-added model should recover: per `procedure`
  (`vpr`: Russian and mathematics, grades 5–8; `rpr`) × school × `subject` × outcome `year`
  × outcome `grade` (the prior is grade − 1 in year − 1): `true_va` (the school's growth per
  year, ability SDs), `true_va_realized` (`true_va` + this year's − last year's school × year
  deviation: the cohort's expected gain), `z_per_theta` (ability SDs → SDs of the outcome's
  primary score over the region) and `true_va_z` (= realized × z_per_theta).
- `measure_effects.parquet` — the planted measures (`soko.demo.measures`): per treated
  school × `kind` × `subject` × `year` (from its start year) × `grade`: `effect_sd` (ability
  SDs added) and `effect_pp` (the expected gain in percentage points of the work's maximum);
  `truth.json` key `measures` sums it up per kind × subject (what `measure_effects` should
  recover: the mean over treated schools of their mean over years of the grades' mean).
- `truth.json` — seed, size, every model parameter and counts.

The model is described in `docs/demo_model.md` of the soko repository.
"""


def write_truth_tables(truth_dir: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """``<name>.parquet`` per table, in the order given."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in tables.items():
        path = truth_dir / f"{name}.parquet"
        df.to_parquet(path, index=False)
        files.append(path)
    return files


def _dump_meta(path: Path, meta: dict[str, object]) -> Path:
    path.write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path


def write_truth_meta(truth_dir: Path, meta: dict[str, object]) -> Path:
    """A fresh ``truth.json`` holding ``meta`` (the generator's: seed, size, parameters,
    counts); procedures add their own keys with :func:`add_truth_meta`."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    return _dump_meta(truth_dir / "truth.json", meta)


def add_truth_meta(truth_dir: Path, meta: dict[str, object]) -> Path:
    """Merge a procedure's keys into ``truth.json`` (created if absent). Keys are written
    sorted, so the file does not depend on who added what first."""
    path = truth_dir / "truth.json"
    merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    truth_dir.mkdir(parents=True, exist_ok=True)
    return _dump_meta(path, {**merged, **meta})


def read_truth_meta(truth_dir: Path) -> dict[str, object]:
    path = truth_dir / "truth.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_truth_readme(truth_dir: Path, *, seed: int, size: str) -> Path:
    truth_dir.mkdir(parents=True, exist_ok=True)
    path = truth_dir / "README.md"
    path.write_text(README.format(seed=seed, size=size), encoding="utf-8")
    return path
