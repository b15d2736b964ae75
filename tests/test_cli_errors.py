"""The `soko` command never shows a Python traceback for a user's mistake: a broken
configuration is listed in Russian (exit 2) before anything runs, missing data gets a
Russian hint, and a bug gets one short line plus a log file with the traceback (exit 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from soko.cli import main
from soko.paths import project_root

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's configuration in a temporary project root."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.setenv("SOKO_ROOT", str(tmp_path))
    monkeypatch.delenv("SOKO_PROCESSED", raising=False)
    assert project_root() == tmp_path.resolve()
    return tmp_path


def break_vpr_scales(root: Path) -> None:
    path = root / "config" / "vpr_scales.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["scales"][2026]["ma"][5]["max"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def some_raw_file(root: Path) -> Path:
    path = root / "data" / "raw" / "registry" / "schools.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "Код ОО;Наименование ОО;Код МО;Муниципальное образование;Вид ОО;Тип местности\n",
        encoding="utf-8",
    )
    return path


def output(capsys: pytest.CaptureFixture[str]) -> str:
    got = capsys.readouterr()
    text = got.out + got.err
    assert "Traceback" not in text
    return text


def test_check_config_passes_on_the_shipped_configuration(project: Path, capsys) -> None:
    assert main(["check-config"]) == 0
    checked = len(list((project / "config").glob("*.yml")))
    assert f"Конфигурация в порядке: проверено файлов {checked}." in output(capsys)


def test_check_config_lists_every_problem(project: Path, capsys) -> None:
    break_vpr_scales(project)
    va = project / "config" / "value_added.yml"
    va.write_text(va.read_text(encoding="utf-8").replace("model: school", "model: schol"), "utf-8")
    assert main(["check-config"]) == 1
    text = output(capsys)
    assert "scales → 2026 → ma → 5 → max: нет обязательного ключа" in text
    assert "model: допустимые значения: student, school (получено «schol»)" in text


def test_check_config_of_another_folder(project: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other"
    shutil.copytree(project / "config", other)
    (other / "thresholds.yml").write_text("suppression: [1\n", encoding="utf-8")
    assert main(["check-config", "--config", str(other)]) == 1
    assert "thresholds.yml: ошибка синтаксиса YAML в строке" in output(capsys)


def test_ingest_with_a_broken_config_does_nothing(project: Path, capsys) -> None:
    break_vpr_scales(project)
    some_raw_file(project)
    assert main(["ingest"]) == 2
    text = output(capsys)
    assert "vpr_scales.yml: scales → 2026 → ma → 5 → max: нет обязательного ключа" in text
    assert "Исправьте конфигурацию и повторите; проверить отдельно: soko check-config" in text
    assert not (project / "data" / "processed").exists()


@pytest.mark.parametrize("command", [["build"], ["demo", "--size", "small"]])
def test_build_and_demo_stop_on_a_broken_config(project: Path, command, capsys) -> None:
    break_vpr_scales(project)
    assert main(command) == 2
    assert "soko check-config" in output(capsys)
    assert not (project / "data").exists()


def test_config_error_inside_a_command(project: Path, capsys) -> None:
    """validate is not gated: a configuration error it meets is still reported in Russian."""
    region = project / "config" / "region.yml"
    region.write_text(region.read_text(encoding="utf-8").replace("  name:", "  nmae:"), "utf-8")
    path = some_raw_file(project)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("10001;Школа № 1;01;г. Озёрск-на-Вельме;СОШ;Город\n")
    assert main(["validate", str(path), "--kind", "registry"]) == 2
    text = output(capsys)
    assert "region.yml: region → nmae: неизвестный ключ (опечатка?)" in text
    assert "soko check-config" in text


def test_ingest_without_raw_data(project: Path, capsys) -> None:
    assert main(["ingest"]) == 2
    assert "Папка с сырыми файлами не найдена" in output(capsys)
    (project / "data" / "raw").mkdir(parents=True)
    (project / "data" / "raw" / ".gitkeep").touch()
    assert main(["ingest"]) == 2
    text = output(capsys)
    assert "нет сырых файлов" in text and "soko demo" in text
    assert not (project / "data" / "processed").exists()


def test_build_without_processed_tables(project: Path, capsys) -> None:
    assert main(["build"]) == 2
    assert "сначала выполните `soko ingest`" in output(capsys)


def test_unexpected_error_goes_to_a_log(
    project: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import soko.pipeline.ingest

    def boom(raw: Path, processed: Path, force: bool = False) -> None:
        raise RuntimeError("сломалось внутри")

    # the CLI imports a command's modules when it runs: patch where it takes it from
    monkeypatch.setattr(soko.pipeline.ingest, "ingest", boom)
    some_raw_file(project)
    assert main(["ingest"]) == 3
    text = output(capsys)
    line = next(t for t in text.splitlines() if t.startswith("Непредвиденная ошибка"))
    assert line.startswith("Непредвиденная ошибка (RuntimeError): сломалось внутри; подробности в ")
    log = Path(line.rsplit("подробности в ", 1)[1])
    assert log.parent == project / "data" / "processed" / "logs"
    assert log.name.startswith("soko-ingest-") and log.suffix == ".log"
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "RuntimeError: сломалось внутри" in logged


def test_broken_pages_yml_is_a_users_mistake(project: Path, capsys) -> None:
    """A mistake in pipelines/pages.yml: a Russian line naming the file, exit 2, no traceback."""
    from soko.pages import load_pages

    pages = project / "pipelines" / "pages.yml"
    pages.parent.mkdir(parents=True, exist_ok=True)
    pages.write_text("title: x\npages:\n  - id: a\n    scope: [\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:  # ConfigError is a ValueError
        load_pages(pages)
    assert "pipelines/pages.yml" in str(err.value) and "синтаксиса YAML" in str(err.value)
    pages.write_text("title: x\npages:\n  - id: a\n    template: t.ipynb\n", encoding="utf-8")
    with pytest.raises(ValueError, match="нет полей"):
        load_pages(pages)
