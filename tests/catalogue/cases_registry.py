"""A registry with history (issue 11, point 5): periods, statuses, successors, and every year's
files checked against the registry as it was that year.

The repository's ``config/region.yml`` has the reform these cases rely on: «Калиновский
район» (03) until 2025, «Калиновский муниципальный округ» (03) from 2026, «Сосновоборский
район» (04) until 2025 with successor 03.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.pipeline.ingest import IngestReport
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, REGISTRY_HEADER, good_row, write_vpr

PERIODS = ";Действует с;Действует по;Статус;Код ОО-правопреемника"
OLD = "Калиновский район"
OKRUG = "Калиновский муниципальный округ"
FULL = (4, 4, 4, 4, 0)  # 16 of 20: mark 5 by the 2024, 2025 and 2026 scales alike
REG = "registry/reestr_oo.csv"


def _registry(raw: Path, lines: list[str], periods: bool = True) -> None:
    path = raw / "registry" / "reestr_oo.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = REGISTRY_HEADER + (PERIODS if periods else "")
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode("cp1251"))


def _row(pcode: str, school: str, municipality: str = MUN1) -> list:
    row = good_row(pcode, school, FULL)
    row[1] = municipality
    return row


def _vpr(raw: Path, year: int, rows: list[list], name: str | None = None) -> None:
    title = f"ВПР {year} Математика 4 класс"
    write_vpr(raw / "vpr" / (name or f"ma4_{year}.xlsx"), rows, title=title)


# --- cases ----------------------------------------------------------------------------------


def _old_district(raw: Path) -> None:
    _registry(raw, [f"edu990301;МБОУ Калиновская СОШ № 1;03;{OLD};СОШ;Город;;;;"])
    _vpr(raw, 2024, [_row("10001", "edu990301", OLD)])
    _vpr(raw, 2026, [_row("10001", "edu990301", OLD), _row("10002", "edu990301", OKRUG)])


def _municipality_per_year(report: IngestReport, processed: Path) -> None:
    res = pd.read_parquet(processed / "vpr_results.parquet")
    assert sorted(res["year"].unique()) == [2024, 2026]
    assert set(res["municipality_code"]) == {"03"}
    schools = pd.read_parquet(processed / "schools.parquet")
    assert schools["municipality_name"].tolist() == [OLD]  # the registry's own text


def _merged_later(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;;2024;присоединена;edu990001",
        ],
    )
    _vpr(raw, 2024, [_row("10001", "edu990002")])
    _vpr(raw, 2025, [_row("10001", "edu990001"), _row("10002", "edu990002")])


def _merged_today(report: IngestReport, processed: Path) -> None:
    schools = pd.read_parquet(processed / "schools.parquet")
    assert schools["school_code"].tolist() == ["edu990001"]  # today's registry
    periods = pd.read_parquet(processed / "school_periods.parquet")
    merged = periods[periods["school_code"] == "edu990002"].iloc[0]
    assert merged["successor_code"] == "edu990001" and merged["valid_to"] == 2024


def _closed(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;2020;2024;закрыта;",
        ],
    )
    _vpr(raw, 2025, [_row("10001", "edu990001"), _row("10002", "edu990002")])


def _overlap(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;2020;2025;переименована;",
            f"edu990002;МБОУ СОШ № 2;01;{MUN1};СОШ;Город;2024;;;",
        ],
    )


def _successor_unknown(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;;2024;присоединена;edu990099",
        ],
    )


def _no_successor(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;;2024;присоединена;",
        ],
    )


def _renamed(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;;2024;переименована;",
            f"edu990002;МБОУ СОШ № 2;01;{MUN1};СОШ;Город;2025;;;",
        ],
    )
    _vpr(raw, 2024, [_row("10001", "edu990002")])
    _vpr(raw, 2026, [_row("10001", "edu990002")])


def _renamed_today(report: IngestReport, processed: Path) -> None:
    schools = pd.read_parquet(processed / "schools.parquet").set_index("school_code")
    assert schools.loc["edu990002", "school_name"] == "МБОУ СОШ № 2"
    assert schools.loc["edu990002", "kind"] == "СОШ"


def _renamed_no_next(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;;2024;переименована;",
        ],
    )


def _plain(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
            f"edu990002;МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
        ],
        periods=False,
    )
    _vpr(raw, 2024, [_row("10001", "edu990001"), _row("10002", "edu990002")])
    _vpr(raw, 2026, [_row("10001", "edu990001"), _row("10002", "edu990002")])


def _bad_years(raw: Path) -> None:
    _registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город;2025г;;;",
            f"edu990002;МБОУ ООШ № 2;01;{MUN1};ООШ;Город;2025;2024;;",
            f"edu990003;МБОУ ООШ № 3;01;{MUN1};ООШ;Город;;;временно;",
        ],
    )


def _former_district_forever(raw: Path) -> None:
    _registry(
        raw,
        [
            "edu990401;МБОУ Сосновоборская СОШ;04;Сосновоборский район;СОШ;Город;;;;",
            "edu990402;МБОУ СОШ с. Ивановка;04;Сосновоборский район;СОШ;Село;;2025;переведена;",
            "edu990402;МБОУ СОШ с. Ивановка;03;Калиновский муниципальный округ;СОШ;Село;2026;;;",
        ],
    )
    _vpr(raw, 2025, [_row("10001", "edu990402", "Сосновоборский район")])
    _vpr(raw, 2026, [_row("10001", "edu990402", OKRUG)])


CASES = [
    Case(
        "registry-old-district-by-year",
        "registry",
        _old_district,
        problems=(
            Expect(
                "vpr/ma4_2026.xlsx",
                "municipality_matches_registry",
                10,
                "Муниципалитет",
                ("не совпадает", OLD),
            ),
        ),
        accepted={REG: 1, "vpr/ma4_2024.xlsx": 1, "vpr/ma4_2026.xlsx": 1},
        tables={"vpr_results": 2, "schools": 1, "school_periods": 1},
        registry=False,
        check=_municipality_per_year,
    ),
    Case(
        "registry-merged-school-used-after-merger",
        "registry",
        _merged_later,
        problems=(
            Expect(
                "vpr/ma4_2025.xlsx",
                "school_code_valid_in_year",
                11,
                "ОО",
                ("по 2024 год", "присоединена к edu990001"),
            ),
        ),
        accepted={REG: 2, "vpr/ma4_2024.xlsx": 1, "vpr/ma4_2025.xlsx": 1},
        tables={"vpr_results": 2, "schools": 1, "school_periods": 2},
        registry=False,
        check=_merged_today,
    ),
    Case(
        "registry-closed-school-used-after-closing",
        "registry",
        _closed,
        problems=(
            Expect(
                "vpr/ma4_2025.xlsx",
                "school_code_valid_in_year",
                11,
                "ОО",
                ("закрыта", "2024"),
            ),
        ),
        accepted={REG: 2, "vpr/ma4_2025.xlsx": 1},
        registry=False,
    ),
    Case(
        "registry-periods-overlap",
        "registry",
        _overlap,
        problems=(
            Expect(REG, "periods_overlap", 3, "Действует с", ("пересекается", "строке 4")),
            Expect(REG, "periods_overlap", 4, "Действует с", ("пересекается", "строке 3")),
        ),
        accepted={REG: 1},
        tables={"school_periods": 1},
        registry=False,
    ),
    Case(
        "registry-successor-unknown",
        "registry",
        _successor_unknown,
        problems=(
            Expect(
                REG,
                "successor_known",
                3,
                "Код ОО-правопреемника",
                ("edu990099", "не найдена", "2025"),
            ),
        ),
        accepted={REG: 1},
        registry=False,
    ),
    Case(
        "registry-merged-without-successor",
        "registry",
        _no_successor,
        problems=(Expect(REG, "successor_present", 3, "Код ОО-правопреемника", ("присоединена",)),),
        accepted={REG: 1},
        registry=False,
    ),
    Case(
        "registry-renamed-school",
        "registry",
        _renamed,
        accepted={REG: 3, "vpr/ma4_2024.xlsx": 1, "vpr/ma4_2026.xlsx": 1},
        tables={"schools": 2, "school_periods": 3, "vpr_results": 2},
        registry=False,
        check=_renamed_today,
    ),
    Case(
        "registry-renamed-without-next-period",
        "registry",
        _renamed_no_next,
        problems=(Expect(REG, "next_period_present", 3, "Статус", ("переименована", "2025")),),
        accepted={REG: 1},
        registry=False,
    ),
    Case(
        "registry-without-period-columns",
        "registry",
        _plain,
        accepted={REG: 2, "vpr/ma4_2024.xlsx": 2, "vpr/ma4_2026.xlsx": 2},
        tables={"schools": 2, "school_periods": 2, "vpr_results": 4},
        registry=False,
    ),
    Case(
        "registry-period-cells-wrong",
        "registry",
        _bad_years,
        problems=(
            Expect(REG, "valid_from_format", 2, "Действует с", ("четырьмя цифрами",)),
            Expect(REG, "period_order", 3, "Действует по", ("раньше",)),
            Expect(REG, "status_known", 4, "Статус", ("присоединена", "закрыта")),
        ),
        accepted={REG: 0},
        registry=False,
    ),
    Case(
        "registry-former-district-row-without-end",
        "registry",
        _former_district_forever,
        problems=(Expect(REG, "municipality_in_period", 2, "Код МО", ("по 2025 год", "периоды")),),
        accepted={REG: 2, "vpr/ma4_2025.xlsx": 1, "vpr/ma4_2026.xlsx": 1},
        registry=False,
    ),
]
