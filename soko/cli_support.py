"""What the ``soko`` command does when something goes wrong: a user's mistake gets Russian
lines saying what to fix, never a Python traceback; a bug gets one short line and the
traceback in a log file (``data/processed/logs/``) to send to the developers."""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from soko.paths import config_dir, processed_dir
from soko.provenance import BuildDateError
from soko.registry import check_configuration, config_schemas
from soko.settings import ConfigError, ConfigProblem, present_files

EXIT_CONFIG = 2  # configuration or input missing/broken: the user can fix it
EXIT_UNEXPECTED = 3  # a bug: see the log file
CONFIG_HINT = "Исправьте конфигурацию и повторите; проверить отдельно: soko check-config"


def say(text: str) -> None:
    print(text, file=sys.stderr)


def print_problems(problems: list[ConfigProblem]) -> None:
    say(f"Ошибки в конфигурации ({len(problems)}):")
    for p in problems:
        say(f"  - {p.text()}")


def config_gate(directory: Path | None = None) -> int:
    """0 when the configuration is valid; otherwise print every problem, return 2."""
    problems = check_configuration(directory)
    if not problems:
        return 0
    print_problems(problems)
    say(CONFIG_HINT)
    return EXIT_CONFIG


def check_config_command(
    directory: Path | None = None, remember: Callable[[Path, str], None] | None = None
) -> int:
    """Check every configuration file; a passing verdict is handed to ``remember`` (the CLI
    keeps it, so an unchanged configuration is not checked again)."""
    folder = directory or config_dir()
    if not folder.is_dir():
        say(f"Папка конфигурации не найдена: {folder}")
        return 1
    problems = check_configuration(folder)
    if problems:
        print_problems(problems)
        return 1
    checked = present_files(folder, config_schemas())
    message = f"Конфигурация в порядке: проверено файлов {len(checked)}."
    print(message)
    if remember is not None:
        remember(folder, message)
    return 0


def raw_files(raw: Path) -> list[Path]:
    return [p for p in raw.rglob("*") if p.is_file() and p.name != ".gitkeep"]


def missing_raw_message(raw: Path) -> str | None:
    """Why there is nothing to ingest in ``raw`` (None when there is)."""
    todo = (
        "Положите туда выгрузки (форматы: docs/data_formats.md) "
        f"или создайте демонстрационный регион: soko demo --out {raw}"
    )
    if not raw.is_dir():
        return f"Папка с сырыми файлами не найдена: {raw}. {todo}"
    if not raw_files(raw):
        return f"В папке {raw} нет сырых файлов, загружать нечего. {todo}"
    return None


def log_path(command: str, processed: Path | None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    name = f"soko-{command}-{stamp}.log"
    for folder in (Path(processed or processed_dir()) / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / name
            probe.touch()
            return probe
        except OSError:
            continue
    return Path(tempfile.mkstemp(prefix=f"soko-{command}-", suffix=".log")[1])


def guarded(command: str, run: Callable[[], int], processed: Path | None = None) -> int:
    """Run a command: configuration errors → their Russian problems (exit 2); anything
    unexpected → one Russian line, the traceback in a log file (exit 3)."""
    try:
        return run()
    except ConfigError as err:
        print_problems(err.problems)
        say(CONFIG_HINT)
        return EXIT_CONFIG
    except BuildDateError as err:  # SOURCE_DATE_EPOCH set but not a number: the user's to fix
        say(f"Не задана дата сборки: {err}.")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        say("Прервано.")
        return 130
    except Exception as err:  # the last line of defence: log it, no traceback on screen
        path = log_path(command, processed)
        path.write_text(
            f"soko {command}: {datetime.now().isoformat()}\n\n{traceback.format_exc()}",
            encoding="utf-8",
        )
        first = (str(err).strip().splitlines() or [""])[0]
        if len(first) > 200:
            first = first[:197] + "…"
        say(f"Непредвиденная ошибка ({type(err).__name__}): {first}; подробности в {path}")
        return EXIT_UNEXPECTED
