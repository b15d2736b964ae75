"""The issue's «done when»: one folder mixing .xls, .xlsx, .ods and .csv, region and school
exports of the same works, ingests with nothing lost and everything reported."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.pipeline.ingest import IngestReport
from tests.catalogue.cases_combine import written_is_accepted_minus_copies
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import good_row, write_vpr
from tests.gia_files import oge_row, write_csv
from tests.table_files import copy_fixture, grid_of, write_ods, write_text

W = "vpr/2026/"


def _mixed(raw: Path) -> None:
    # the region's export as .xls (rows 10001, 10002 and 10003 of an unknown school)
    copy_fixture("vpr_ma4_2026.xls", raw / W / "region_ma4.xls")
    scratch = raw.parent / "scratch"
    # a school's export of the same work as .csv: a copy of 10001
    one = write_vpr(scratch / "s1.xlsx", [good_row("10001")])
    write_text(raw / W / "school1_ma4.csv", grid_of(one))
    # another school's as .xlsx: a copy of 10002 and a pupil the region file lacks
    write_vpr(raw / W / "school2_ma4.xlsx", [good_row("10002"), good_row("10004")])
    # a municipality's as .ods: 10004 again
    mun = write_vpr(scratch / "m.xlsx", [good_row("10004")])
    write_ods(raw / W / "mun01_ma4.ods", [("Результаты", grid_of(mun))])
    # ОГЭ: the region's protocol as .xls, a school's as .csv with one of its rows again
    copy_fixture("oge_2026.xls", raw / "gia" / "oge" / "2026" / "region.xls")
    # (Excel dropped the exam point's leading zero in the .xls: «101»; the school's export
    # says the same, else the two rows differ and both are rejected, naming each other)
    write_csv(raw / "gia" / "oge" / "2026" / "school1.csv", [oge_row(1, **{"Код ППЭ": "101"})])


def _rows(report: IngestReport, processed: Path) -> None:
    vpr = pd.read_parquet(processed / "vpr_results.parquet")
    assert sorted(vpr["participant_code"]) == ["10001", "10002", "10004"]
    assert len(pd.read_parquet(processed / "oge_results.parquet")) == 2
    copies = {(f.file, d.other_file) for f in report.files for d in f.duplicates}
    assert copies == {
        (W + "school1_ma4.csv", W + "region_ma4.xls"),
        (W + "school2_ma4.xlsx", W + "region_ma4.xls"),
        (W + "school2_ma4.xlsx", W + "mun01_ma4.ods"),
        ("gia/oge/2026/school1.csv", "gia/oge/2026/region.xls"),
    }


CASES = [
    Case(
        "mixed-formats-region-and-school-exports",
        "vpr",
        _mixed,
        problems=(
            Expect(W + "region_ma4.xls", "school_code_known", 12, "ОО"),
            Expect("gia/oge/2026/region.xls", "school_code_known", 7, "Код ОО"),
        ),
        accepted={
            W + "region_ma4.xls": 2,
            W + "school1_ma4.csv": 1,
            W + "school2_ma4.xlsx": 2,
            W + "mun01_ma4.ods": 1,
            "gia/oge/2026/region.xls": 2,
            "gia/oge/2026/school1.csv": 1,
        },
        tables={"vpr_results": 3, "vpr_tasks": 5, "oge_results": 2},
        check=written_is_accepted_minus_copies(("vpr", "oge"), copies=4, more=_rows),
    ),
]
