"""The municipal form of the management mechanisms: built from the configuration, written
blank by `soko forms`, filled by the demo from a known truth and read back clean."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soko.cli import main
from soko.config import region
from soko.forms import read_form
from soko.pipeline import forms as forms_pipeline
from soko.procedure import DemoContext
from soko.procedures.mechanisms.demo import TRUTH_FILE, generate
from soko.procedures.mechanisms.form import PART_STAGE, mechanism_form
from soko.procedures.mechanisms.ingest import SCHEMAS, ingest_mechanisms
from soko.procedures.mechanisms.settings import STAGES, mechanism_settings
from soko.registry import discover


def _schools() -> pd.DataFrame:
    """A school in every municipality the region ever had, the first one without any (no
    form for it)."""
    codes = region().all_municipality_codes[1:]
    return pd.DataFrame(
        {
            "school_code": [f"edu99{i:04d}" for i in range(len(codes))],
            "school_name": [f"Школа {c}" for c in codes],
            "municipality_code": codes,
            "municipality_name": [region().municipality_name(c) for c in codes],
        }
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], object]:
    base = tmp_path_factory.mktemp("mechanisms")
    years = tuple(region().years)
    ctx = DemoContext(
        out=base / "raw", truth_dir=base / "truth", seed=7, size="small", years=years,
        schools=_schools(),
    )  # fmt: skip
    files = generate(ctx)
    return base, files, ingest_mechanisms(files, base / "raw", pd.DataFrame())


def test_the_form_asks_what_the_configuration_asks() -> None:
    settings = mechanism_settings()
    spec = mechanism_form()
    assert [s.code for s in spec.sheets] == list(settings.directions)
    for sheet in spec.sheets:
        assert len(sheet.name) <= 31
        codes = [r.cells["code"] for r in sheet.rows]
        assert codes == [*settings.form_indicators(sheet.code), *STAGES]
        for row in sheet.rows[: len(settings.form_indicators(sheet.code))]:
            ind = settings.directions[sheet.code].indicators[row.cells["code"]]
            rule = sheet.rules_for(row)[4]  # the value column
            if ind.kind == "yesno":
                assert rule.kind == "yesno"
            else:
                assert (rule.low, rule.high) == ind.bounds
    assert [f.name for f in spec.identity] == ["year", "municipality_code", "municipality_name"]


def test_demo_forms_ingest_clean_and_match_the_truth(demo) -> None:
    base, files, result = demo
    years = region().years
    first_code = region().all_municipality_codes[0]
    assert len(files) == sum(len(set(region().municipalities_in(y)) - {first_code}) for y in years)
    assert not any(f.name.endswith(f"_{first_code}.xlsx") for f in files)
    assert all(r.ok and r.rows_read == r.rows_accepted > 0 for r in result.reports)
    values = result.tables["mechanism_values"][0]
    stages = result.tables["mechanism_stages"][0]
    assert list(values.columns) == list(SCHEMAS["mechanism_values"])
    assert list(stages.columns) == list(SCHEMAS["mechanism_stages"])
    assert stages["done"].dtype == bool and values["value"].notna().all()
    assert (stages["done"] == stages["document"].notna()).all()  # «да» always with its document
    truth = pd.read_parquet(base / "truth" / TRUTH_FILE)
    done = stages.groupby(["year", "municipality_code", "direction"])["done"].sum()
    merged = truth.set_index(["year", "municipality_code", "direction"]).join(
        done.rename("read"), how="inner"
    )
    assert len(merged) == len(done)
    assert (merged["read"] == merged["stages_done"]).all()
    # every cycle is a prefix: where it breaks, nothing later is done
    order = {s: i for i, s in enumerate(STAGES)}
    stages["position"] = stages["stage"].map(order)
    last_done = (
        stages[stages["done"]].groupby(["year", "municipality_code", "direction"])["position"].max()
    )
    assert (last_done + 1).reindex(done.index).fillna(0).astype(int).equals(done.astype(int))
    # some full cycles, most breaking late, maturity improving for most
    breaks = truth["break_stage"].value_counts(normalize=True)
    late = breaks.reindex(["recommendations", "measures", "decisions", "effectiveness"]).sum()
    assert 0.05 < truth["full_cycle"].mean() < 0.5 and late > 0.5
    first, last = min(years), max(years)
    by_year = truth.groupby(["improving", "year"])["stages_done"].mean()
    assert by_year[(True, last)] > by_year[(True, first)] + 0.5
    assert abs(by_year[(False, last)] - by_year[(False, first)]) < 0.6
    # reported indicators follow the maturity: higher-is-better shares rise with it
    share = values[values["indicator"] == "shnor_programmes"].merge(
        truth, on=["year", "municipality_code", "direction"]
    )
    assert share["value"].corr(share["maturity"]) > 0.5


def test_demo_forms_are_the_same_bytes_for_the_same_seed(demo, tmp_path: Path) -> None:
    _, files, _ = demo
    years = tuple(region().years)
    ctx = DemoContext(
        out=tmp_path / "raw", truth_dir=tmp_path / "truth", seed=7, size="small",
        years=years[:1], schools=_schools(),
    )  # fmt: skip
    again = generate(ctx)
    first = [f for f in files if f.parent.name == str(years[0])]
    assert [f.name for f in again] == [f.name for f in first]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(again, first, strict=True))


def test_soko_forms_writes_the_blank_mechanisms_form_for_every_municipality(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # every configured unit (66) gets this form; the other procedures' blanks for all of them
    # are not this test's business (they cost half a minute of make test)
    mechanisms = [p for p in discover() if p.code == "mechanisms"]
    monkeypatch.setattr(forms_pipeline, "discover", lambda: mechanisms)
    out = tmp_path / "forms"
    # no registry (an empty raw folder): every configured unit, whatever data/raw holds here
    empty = ["--raw", str(tmp_path / "raw"), "--processed", str(tmp_path / "processed")]
    assert main(["forms", "--year", "2027", "--out", str(out), *empty]) == 0
    monkeypatch.undo()
    printed = capsys.readouterr().out
    assert "data/raw/mechanisms/2027/" in printed
    municipalities = region().municipalities_in(2027)
    names = sorted(p.name for p in out.glob("mechanisms_2027_*.xlsx"))
    assert names == sorted(f"mechanisms_2027_{c}.xlsx" for c in municipalities)
    code, name = next(iter(municipalities.items()))
    path = out / f"mechanisms_2027_{code}.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book[book.sheetnames[1]]
    assert (ws["B2"].value, ws["B3"].value, ws["B4"].value) == ("2027", code, name)
    assert ws.data_validations.dataValidation  # validation on the input cells
    # blank, it reads back as every input cell missing, with its sheet, row and column
    read = read_form(path, mechanism_form(), path.name, {"year": "2027"})
    assert read.identity["municipality_code"] == code
    assert {p.rule for p in read.problems} == {"cell_required"}
    assert read.rows_read == len(read.problems) and read.rows_accepted == 0
    frame = read.frames["1.1"]
    stage = frame[frame["part"] == PART_STAGE]
    assert len(stage) == len(STAGES)
    # one municipality alone, and an unknown one named
    one = tmp_path / "one"
    assert main(["forms", "--year", "2027", "--out", str(one), "--municipality", code]) == 0
    # every procedure's form for that municipality (the register of measures too), no other's
    written = sorted(p.name for p in one.iterdir())
    assert path.name in written and all(n.endswith(f"_{code}.xlsx") for n in written)
    assert main(["forms", "--year", "2027", "--out", str(one), "--municipality", "99"]) == 2
    assert "«99»" in capsys.readouterr().err
