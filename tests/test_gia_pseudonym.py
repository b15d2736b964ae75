"""Pseudonymous ids: salted, stable, normalised; no personal field reaches data/processed/."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from soko import pseudonym
from soko.pipeline.ingest import ingest
from tests.conftest import SmallRegion
from tests.fisoko_files import write_registry
from tests.gia_files import EGE_HEADER, ege_row, oge_row, write_csv, write_xlsx

SALT = b"0123456789abcdef0123456789abcdef"


def test_id_is_hmac_sha256_of_the_normalised_fields() -> None:
    expected = hmac.new(
        SALT, "берестов|петр|олегович|0026001000".encode(), hashlib.sha256
    ).hexdigest()[:20]
    assert pseudonym.pseudonym("Берестов", "Пётр", "Олегович", "0026 001000", SALT) == expected
    same = pseudonym.pseudonym(" БЕРЕСТОВ ", "петр", "Олегович ", "0026-001000", SALT)
    assert same == expected


def test_id_depends_on_every_field_and_on_the_salt() -> None:
    base = ("Берестов", "Пётр", "Олегович", "0026 001000")
    ref = pseudonym.pseudonym(*base, SALT)
    for i, other in enumerate(("Берестова", "Павел", "Ильич", "0026 001001")):
        changed = list(base)
        changed[i] = other
        assert pseudonym.pseudonym(*changed, SALT) != ref
    assert pseudonym.pseudonym(*base, SALT[::-1]) != ref
    # a missing patronymic is a value of its own, not a shifted field
    assert pseudonym.pseudonym("А", "Б", "", "1", SALT) != pseudonym.pseudonym(
        "А", "", "Б", "1", SALT
    )


def test_salt_is_created_once_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secrets" / "salt"
    monkeypatch.setenv("SOKO_PSEUDONYM_SALT_FILE", str(path))
    first = pseudonym.load_salt()
    assert path.is_file() and len(first) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert pseudonym.load_salt() == first  # not regenerated
    ids = pseudonym.pseudonyms(["Берестов"], ["Иван"], [""], ["0026 001000"])
    assert ids == [pseudonym.pseudonym("Берестов", "Иван", "", "0026 001000", first)]


def test_default_salt_lives_in_the_git_ignored_secrets_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOKO_PSEUDONYM_SALT_FILE", raising=False)
    path = pseudonym.salt_path()
    assert path.parent.name == ".secrets" and path.name == "pseudonym_salt"
    root = path.parent.parent
    assert "/.secrets/" in (root / ".gitignore").read_text(encoding="utf-8")


def test_empty_salt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "salt"
    path.write_text("\n", encoding="ascii")
    with pytest.raises(RuntimeError, match="повреждён"):
        pseudonym.load_salt(path)


PERSONAL_COLUMNS = {"Фамилия", "Имя", "Отчество", "Номер документа", "Серия документа"}


def _personal_values(protocols: list[Path]) -> tuple[set[str], set[str]]:
    """(distinctive values to look for anywhere in a text, names to look for as whole cells)."""
    anywhere, whole = set(), set()
    for path in protocols:
        if path.suffix == ".csv":
            frame = pd.read_csv(path, sep=";", encoding="cp1251", dtype=str)
        else:
            raw = pd.read_excel(path, header=None, dtype=str, engine="calamine")
            h = next(i for i, row in raw.iterrows() if "Фамилия" in set(row.dropna()))
            frame = raw.iloc[h + 1 :].set_axis(raw.iloc[h], axis=1)
        for col in ("Фамилия", "Номер документа"):
            values = frame[col].dropna()
            anywhere |= set(values)
            if col == "Номер документа":
                anywhere |= {v.replace(" ", "") for v in values}
        for col in ("Имя", "Отчество"):
            whole |= set(frame[col].dropna()) - {""}
    return anywhere, whole


def _assert_no_personal_data(processed: Path, anywhere: set[str], whole: set[str]) -> int:
    """Scan every parquet (columns and string values), CSV and JSON under ``processed``."""
    checked = 0
    for path in processed.rglob("*.parquet"):
        table = pd.read_parquet(path)
        assert not PERSONAL_COLUMNS & set(table.columns), path
        # `document` of the mechanisms' stages (and mechanism_cycle, which carries it) and of the
        # register of measures is the reference to an administrative act (an order's date and
        # number), not a person's document; their values are still scanned below
        names = {"surname", "first_name", "patronymic", "document"}
        if path.stem in ("mechanism_stages", "mechanism_cycle", "measures", "measure_register"):
            names.discard("document")
        assert not names & set(table.columns), path
        for col in table.columns:
            if table[col].dtype.kind in "biufcM":
                continue
            values = set(table[col].dropna().astype(str))
            assert not values & (anywhere | whole), (path.name, col)
            checked += len(values)
    words = re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(anywhere)))
    for path in [*processed.rglob("*.csv"), *processed.rglob("*.json")]:
        leaked = words.findall(path.read_text(encoding="utf-8-sig"))
        assert not leaked, (path.name, leaked[:3])
    return checked


def test_fixture_protocols_leave_no_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Accepted and rejected rows alike: problems.csv and the report carry no names."""
    monkeypatch.setenv("SOKO_PSEUDONYM_SALT_FILE", str(tmp_path / "salt"))
    raw = tmp_path / "raw"
    write_registry(raw)
    protocols = [
        write_csv(raw / "gia" / "oge" / "2026" / "a.csv", [oge_row(0), oge_row(1)]),
        write_xlsx(
            raw / "gia" / "oge" / "2026" / "b.xlsx",
            # a bad mark, and the first participant again with another variant: both of that
            # participant's rows are rejected, each message naming the other row
            [oge_row(2, **{"Отметка": "5"}), oge_row(0, **{"Вариант": "302"})],
        ),
        write_csv(
            raw / "gia" / "ege" / "2026" / "c.csv",
            [ege_row(3), ege_row(4, **{"Номер документа": ""})],  # no document: rejected
            EGE_HEADER,
        ),
    ]
    report = ingest(raw, tmp_path / "processed")
    gia = {f.file: (f.rows_read, f.rows_accepted) for f in report.files if f.kind in ("oge", "ege")}
    assert gia == {
        "gia/oge/2026/a.csv": (2, 1),
        "gia/oge/2026/b.xlsx": (2, 0),
        "gia/ege/2026/c.csv": (2, 1),
    }
    anywhere, whole = _personal_values(protocols)
    assert "Берестов" in anywhere and "Иван" in whole
    _assert_no_personal_data(tmp_path / "processed", anywhere, whole)
    oge = pd.read_parquet(tmp_path / "processed" / "oge_results.parquet")
    assert len(oge) == 1 and oge["participant_id"].notna().all()


def test_demo_region_leaves_no_personal_data(small_region: SmallRegion) -> None:
    protocols = sorted((small_region.raw / "gia").rglob("*.*"))
    assert {p.suffix for p in protocols} == {".csv", ".xlsx"}
    anywhere, whole = _personal_values(protocols)
    assert len(anywhere) > 100
    checked = _assert_no_personal_data(small_region.processed, anywhere, whole)
    assert checked > 0
