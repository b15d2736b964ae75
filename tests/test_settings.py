"""Configuration checked at the door (soko.settings): every shipped file validates, and
each kind of mistake gives a Russian line naming the file, the key path and what is expected."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from soko import config
from soko.paths import config_dir
from soko.settings import (
    SCHEMAS,
    ConfigError,
    ConfigFileMissing,
    check_config,
    load_checked,
)
from soko.settings.objectivity import SIGNALS
from soko.settings.scales import REQUIRED_COLUMNS, CanonicalColumn


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(config_dir(), folder)
    return folder


def read(folder: Path, name: str) -> dict[str, Any]:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def write(folder: Path, name: str, data: Any) -> None:
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def texts(folder: Path) -> list[str]:
    return [p.text() for p in check_config(folder)]


def only(folder: Path) -> str:
    found = texts(folder)
    assert len(found) == 1, found
    return found[0]


# --- the shipped configuration ----------------------------------------------------------------


def test_every_config_file_has_a_model() -> None:
    """The core's models and the procedures' own (``Procedure.config_schemas``)."""
    from soko.registry import config_schemas

    assert {p.name for p in config_dir().glob("*.yml")} == set(SCHEMAS) | set(config_schemas())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_file_validates(name: str) -> None:
    assert load_checked(name, SCHEMAS[name]) is not None
    assert config.load_yaml(name) == yaml.safe_load(
        (config_dir() / name).read_text(encoding="utf-8")
    )


def test_shipped_configuration_has_no_problems() -> None:
    assert check_config() == []


def test_constants_agree_with_the_code() -> None:
    from soko.formats.fisoko_workbook.reader import FIXED_COLUMNS
    from soko.formats.fisoko_workbook.reader import REQUIRED_COLUMNS as required
    from soko.objectivity.settings import SIGNALS as used

    assert set(CanonicalColumn.__args__) == set(FIXED_COLUMNS.values())
    assert set(REQUIRED_COLUMNS) == required
    assert used == SIGNALS


def test_settings_is_the_bottom_layer() -> None:
    """soko.settings imports only the standard library, pydantic, yaml and soko.paths."""
    folder = Path(__file__).resolve().parents[1] / "soko" / "settings"
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("soko"):
                    assert name == "soko.paths" or name.startswith("soko.settings"), (path, name)


# --- one test per kind of mistake -------------------------------------------------------------


def test_missing_max_in_a_vpr_scale(cfg: Path) -> None:
    data = read(cfg, "vpr_scales.yml")
    del data["scales"][2026]["ma"][5]["max"]
    write(cfg, "vpr_scales.yml", data)
    line = only(cfg)
    assert "vpr_scales.yml: scales → 2026 → ma → 5 → max: нет обязательного ключа" in line
    assert line.startswith(str(cfg / "vpr_scales.yml")) and "строка" in line


def test_unordered_thresholds(cfg: Path) -> None:
    data = read(cfg, "vpr_scales.yml")
    data["scales"][2026]["ma"][5]["marks"] = [10, 8, 12]
    write(cfg, "vpr_scales.yml", data)
    assert (
        "vpr_scales.yml: scales → 2026 → ma → 5 → marks: пороги отметок должны возрастать "
        "(получено [10, 8, 12])"
    ) in only(cfg)


def test_max_below_the_top_threshold(cfg: Path) -> None:
    data = read(cfg, "niko.yml")
    data["scales"][2024]["li"][6]["max"] = 15
    write(cfg, "niko.yml", data)
    line = only(cfg)
    assert "niko.yml: scales → 2024 → li → 6:" in line
    assert "max (15) меньше порога отметки «5» (17)" in line


def test_unknown_model_name(cfg: Path) -> None:
    data = read(cfg, "value_added.yml")
    data["analyses"][1]["model"] = "schol"
    write(cfg, "value_added.yml", data)
    line = only(cfg)
    assert "value_added.yml: analyses → 1 → model: допустимые значения: student, school" in line
    assert "«schol»" in line


def test_unknown_key_is_a_typo(cfg: Path) -> None:
    data = read(cfg, "thresholds.yml")
    data["suppression"]["min_grop"] = data["suppression"].pop("min_group")
    write(cfg, "thresholds.yml", data)
    found = texts(cfg)
    assert any(
        "thresholds.yml: suppression → min_grop: неизвестный ключ (опечатка?)" in t for t in found
    ), found
    assert any("suppression → min_group: нет обязательного ключа" in t for t in found), found


def test_wrong_type(cfg: Path) -> None:
    data = read(cfg, "pisa.yml")
    data["replicates"] = "восемьдесят"
    write(cfg, "pisa.yml", data)
    assert "pisa.yml: replicates: ожидается целое число (получено «восемьдесят»)" in only(cfg)


def test_pisa_fay_k_and_ranges(cfg: Path) -> None:
    data = read(cfg, "pisa.yml")
    data.update(fay_k=1.0, pv_range=[1000, 0])
    write(cfg, "pisa.yml", data)
    found = " | ".join(texts(cfg))
    assert "pisa.yml: fay_k: должно быть меньше 1" in found
    assert "pisa.yml: pv_range: нижняя граница должна быть меньше верхней" in found


def test_yaml_syntax_error_names_the_line(cfg: Path) -> None:
    text = (cfg / "thresholds.yml").read_text(encoding="utf-8")
    lines = text.splitlines()
    at = next(i for i, row in enumerate(lines) if row.startswith("journal:"))
    lines[at + 1] = "  large_gap: [2"
    (cfg / "thresholds.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = only(cfg)
    assert "thresholds.yml: ошибка синтаксиса YAML в строке" in line
    number = int(line.split("в строке ")[1].split(",")[0])
    assert at + 1 <= number <= at + 3


def test_unknown_school_kind_and_locality(cfg: Path) -> None:
    data = read(cfg, "objectivity.yml")
    data["expectation"] = {
        "selective_kinds": ["Лицей", "Кадетский корпус"],
        "village_localities": ["Деревня"],
    }
    write(cfg, "objectivity.yml", data)
    found = texts(cfg)
    assert len(found) == 2, found
    assert (
        "objectivity.yml: expectation → selective_kinds → 1: «Кадетский корпус» нет в "
        "region.yml → school_kinds" in found[0]
    )
    assert (
        "expectation → village_localities → 0: «Деревня» нет в region.yml → localities" in found[1]
    )


def test_bad_ege_test_scores_length(cfg: Path) -> None:
    data = read(cfg, "gia_scales.yml")
    entry = data["ege"]["scales"][2026]["ma"]
    entry["test_scores"] = entry["test_scores"][:-2]
    write(cfg, "gia_scales.yml", data)
    line = only(cfg)
    assert "gia_scales.yml: ege → scales → 2026 → ma → test_scores:" in line
    assert "31 значений, нужно 33" in line


def test_decreasing_ege_test_scores_and_oge_marks(cfg: Path) -> None:
    data = read(cfg, "gia_scales.yml")
    data["ege"]["scales"][2025]["ru"]["test_scores"][5] = 1
    write(cfg, "gia_scales.yml", data)
    assert "ege → scales → 2025 → ru → test_scores: тестовые баллы не должны убывать" in only(cfg)
    data = read(config_dir(), "gia_scales.yml")
    data["oge"]["scales"][2024]["ma"]["marks"] = [8, 22, 40]  # an anchor: 2025, 2026 too
    write(cfg, "gia_scales.yml", data)
    found = texts(cfg)
    assert len(found) == 3
    assert (
        "oge → scales → 2024 → ma → marks: порог отметки «5» (40) выше максимального" in (found[0])
    )


def test_unknown_objectivity_signal(cfg: Path) -> None:
    data = read(cfg, "objectivity.yml")
    data["index"]["weights"]["jump_revers"] = 1.0
    write(cfg, "objectivity.yml", data)
    line = only(cfg)
    assert "objectivity.yml: index → weights → jump_revers: недопустимый ключ" in line
    assert "jump_reversion" in line


def test_unknown_procedure_and_subject_across_files(cfg: Path) -> None:
    data = read(cfg, "value_added.yml")
    data["analyses"][0]["procedure"] = "pisa"
    data["analyses"][1]["subjects"] = ["ru", "xx"]
    write(cfg, "value_added.yml", data)
    found = " | ".join(texts(cfg))
    assert "analyses → 0 → procedure: допустимые значения: vpr, rpr, niko" in found
    data["analyses"][0]["procedure"] = "rpr"
    write(cfg, "value_added.yml", data)
    assert "analyses → 1 → subjects → 1: предмета «xx» нет в vpr_scales.yml" in only(cfg)


def test_unquoted_municipality_code(cfg: Path) -> None:
    text = (cfg / "region.yml").read_text(encoding="utf-8").replace('{code: "05"', "{code: 05")
    (cfg / "region.yml").write_text(text, encoding="utf-8")
    assert "region.yml: municipalities → 5 → code: ожидается строка" in only(cfg)


def test_school_classes_rules(cfg: Path) -> None:
    data = read(cfg, "school_classes.yml")
    data["shnor"]["years_min"] = 4
    data["resilient"]["results_rule"] = "most"
    data["high_results"]["subjects"] = ["ru", "ch"]
    write(cfg, "school_classes.yml", data)
    found = " | ".join(texts(cfg))
    assert "school_classes.yml: shnor: years_min (4) больше years_window (3)" in found
    assert "resilient → results_rule: допустимые значения: any, all" in found


def test_every_problem_of_every_file(cfg: Path) -> None:
    scales = read(cfg, "vpr_scales.yml")
    scales["scales"][2024]["ru"][4]["marks"] = [3, 2, 1]
    scales["scales"][2025]["ru"][4]["max"] = 1
    write(cfg, "vpr_scales.yml", scales)
    va = read(cfg, "value_added.yml")
    va["analyses"][0]["prior"] = "gian"
    write(cfg, "value_added.yml", va)
    found = texts(cfg)
    assert len(found) == 3, found


def test_missing_required_file(cfg: Path) -> None:
    (cfg / "region.yml").unlink()
    assert "region.yml: файл не найден" in only(cfg)
    with pytest.raises(FileNotFoundError):  # optional files: consumers may tolerate absence
        config.load_yaml("region.yml", cfg)
    with pytest.raises(ConfigFileMissing):
        config.region(cfg)


def test_load_yaml_is_the_door(cfg: Path) -> None:
    data = read(cfg, "vpr_scales.yml")
    data["scales"][2026]["ma"][5]["marks"] = [10, 8, 12]
    write(cfg, "vpr_scales.yml", data)
    with pytest.raises(ConfigError) as err:
        config.vpr_scale(2026, "ma", 5, cfg)
    assert "пороги отметок должны возрастать" in err.value.text()
    assert "Traceback" not in str(err.value)


def test_edited_file_is_read_again(cfg: Path) -> None:
    assert config.load_yaml("thresholds.yml", cfg)["suppression"]["min_group"] == 5
    data = read(cfg, "thresholds.yml")
    data["suppression"]["min_group"] = 7
    write(cfg, "thresholds.yml", data)
    assert config.load_yaml("thresholds.yml", cfg)["suppression"]["min_group"] == 7
    assert config.min_group(cfg) == 7


def test_extra_schema_is_checked(cfg: Path) -> None:
    from soko.settings.scales import WorkbookProcedureFile

    write(cfg, "gve_scales.yml", {"subjects": {"ru": "Русский язык"}, "scales": {2026: {}}})
    assert check_config(cfg, extra={"gve_scales.yml": WorkbookProcedureFile}) == []
    write(cfg, "gve_scales.yml", {"subjects": {}, "scales": {}})
    found = check_config(cfg, extra={"gve_scales.yml": WorkbookProcedureFile})
    assert [p.where for p in found] == ["subjects"]


def test_comparison_names_a_known_procedure(cfg: Path) -> None:
    """Procedure codes are known only above the registry: `soko check-config` checks them."""
    from soko.registry import check_configuration

    data = read(cfg, "region.yml")
    data["comparisons"][0]["later"]["procedure"] = "ogee"
    write(cfg, "region.yml", data)
    assert check_config(cfg) == []  # a well-formed file on its own
    (problem,) = [p.text() for p in check_configuration(cfg)]
    assert "region.yml" in problem and "comparisons → 0 → later → procedure" in problem
    assert "неизвестная процедура «ogee»" in problem and "oge" in problem


def test_comparison_lag_is_the_grade_difference(cfg: Path) -> None:
    data = read(cfg, "region.yml")
    data["comparisons"][1]["lag"] = 1  # ОГЭ-9 → ЕГЭ-11 is two years on
    write(cfg, "region.yml", data)
    text = only(cfg)
    assert "comparisons → 1 → lag" in text and "разнице классов" in text


def test_core_subjects_must_not_be_empty(cfg: Path) -> None:
    data = read(cfg, "region.yml")
    data["core_subjects"] = []
    write(cfg, "region.yml", data)
    assert "core_subjects" in only(cfg)
