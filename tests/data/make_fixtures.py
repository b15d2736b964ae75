"""Make the committed binary fixtures of tests/data/ (run once; the files are committed).

soko reads ``.xls`` (python-calamine) but nothing it depends on writes it, and a
password-protected workbook needs an encryptor; adding two packages to the environment
for four small files is not worth it, so this script is run by hand when a fixture must
change, with the two packages in a side folder, not in the project's environment::

    .tools/bin/uv pip install --python .venv/bin/python --target /tmp/xlstools \\
        xlwt msoffcrypto-tool
    PYTHONPATH=/tmp/xlstools .venv/bin/python tests/data/make_fixtures.py

The cells come from the same builders as the xlsx fixtures, so an ``.xls`` holds exactly
what its xlsx twin does.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import msoffcrypto.format.ooxml  # noqa: E402
import xlwt  # noqa: E402

from tests.catalogue.cases_readers import OGE_ROWS, VPR_ROWS  # noqa: E402
from tests.fisoko_files import write_vpr  # noqa: E402
from tests.gia_files import write_xlsx  # noqa: E402
from tests.table_files import DATA, grid_of  # noqa: E402


def write_xls(path: Path, sheet: str, grid: list[list]) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v != "":
                ws.write(i, j, v)
    book.save(str(path))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vpr = write_vpr(Path(tmp) / "vpr.xlsx", VPR_ROWS)
        write_xls(DATA / "vpr_ma4_2026.xls", "Результаты", grid_of(vpr))
        oge = write_xlsx(Path(tmp) / "oge.xlsx", OGE_ROWS, numbers=True)
        write_xls(DATA / "oge_2026.xls", "Протокол", grid_of(oge))
        plain = vpr.read_bytes()
        office = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(plain))
        out = io.BytesIO()
        office.encrypt("пароль", out)
        (DATA / "vpr_password.xlsx").write_bytes(out.getvalue())
    print("written:", ", ".join(sorted(p.name for p in DATA.glob("*.xls*"))))


if __name__ == "__main__":
    main()
