"""Configuration problems in Russian: one line per problem, naming the file and the key.

A :class:`ConfigProblem` is where (file, key path, line when known) and what; a
:class:`ConfigError` carries all problems found, so a user fixes them in one go. Pydantic's
validation errors and YAML syntax errors are turned into problems here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

Key = str | int


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in one configuration file."""

    file: str  # as shown to the user: «config/vpr_scales.yml»
    key_path: tuple[Key, ...]
    message: str  # Russian
    line: int | None = None  # 1-based line in the file, when known

    @property
    def where(self) -> str:
        """The key path as «scales → 2026 → ma → 5 → marks» (empty for the whole file)."""
        return " → ".join(str(k) for k in self.key_path)

    def text(self) -> str:
        head = f"{self.file}: {self.where}: " if self.key_path else f"{self.file}: "
        tail = f" (строка {self.line})" if self.line is not None else ""
        return f"{head}{self.message}{tail}"


class ConfigError(ValueError):
    """The configuration cannot be used; ``problems`` says every reason, in Russian."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__(self.text())

    def text(self) -> str:
        return "\n".join(p.text() for p in self.problems)


class ConfigFileMissing(ConfigError, FileNotFoundError):
    """A configuration file that is needed is not there (also a ``FileNotFoundError``, so
    code that tolerates an absent optional file keeps working)."""


# --- YAML -----------------------------------------------------------------------------------


def missing_file_problem(file: str) -> ConfigProblem:
    return ConfigProblem(
        file, (), "файл не найден: скопируйте его из исходной конфигурации (папка config/)"
    )


def yaml_problem(file: str, error: yaml.YAMLError) -> ConfigProblem:
    """A syntax error with the line and column of the YAML mark."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    what = " ".join(
        str(part)
        for part in (getattr(error, "context", None), getattr(error, "problem", None))
        if part
    )
    message = "ошибка синтаксиса YAML"
    if mark is not None:
        message += f" в строке {mark.line + 1}, столбец {mark.column + 1}"
    if what:
        message += f" ({what})"
    message += ": проверьте отступы, двоеточия, кавычки и скобки"
    return ConfigProblem(file, (), message, None)


# --- pydantic -------------------------------------------------------------------------------

_TYPE_WORDS: dict[str, str] = {
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "string_type": "ожидается строка (текст в кавычках)",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "list_type": "ожидается список ([a, b, …] или строки «- …»)",
    "tuple_type": "ожидается список ([a, b, …] или строки «- …»)",
    "set_type": "ожидается список ([a, b, …] или строки «- …»)",
    "dict_type": "ожидается словарь (строки «ключ: значение»)",
    "model_type": "ожидается словарь (строки «ключ: значение»)",
    "model_attributes_type": "ожидается словарь (строки «ключ: значение»)",
    "none_required": "ожидается пустое значение (null)",
}
_BOUND_WORDS: dict[str, tuple[str, str]] = {
    "greater_than": ("gt", "должно быть больше {}"),
    "greater_than_equal": ("ge", "должно быть не меньше {}"),
    "less_than": ("lt", "должно быть меньше {}"),
    "less_than_equal": ("le", "должно быть не больше {}"),
    "multiple_of": ("multiple_of", "должно быть кратно {}"),
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"«{value}»"
    if value is None:
        return "пусто"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value) if isinstance(value, int | float | list | tuple) else ""
    if not text and isinstance(value, dict):
        text = "словарь"
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(raw: str) -> str:
    """Pydantic's «'a', 'b' or 'c'» as «a, b, c»."""
    return raw.replace("' or '", ", ").replace("', '", ", ").strip("'")


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "missing":
        return "нет обязательного ключа"
    if kind == "extra_forbidden":
        return "неизвестный ключ (опечатка?)"
    if kind in ("value_error", "assertion_error"):
        error = ctx.get("error")
        return str(error) if error is not None else str(err["msg"]).split(", ", 1)[-1]
    if kind in ("literal_error", "enum"):
        text = f"допустимые значения: {_expected(str(ctx.get('expected', '')))}"
    elif kind in _TYPE_WORDS:
        text = _TYPE_WORDS[kind]
    elif kind in _BOUND_WORDS:
        name, words = _BOUND_WORDS[kind]
        text = words.format(ctx.get(name))
    elif kind == "too_short":
        text = f"слишком мало элементов: нужно не меньше {ctx.get('min_length')}"
    elif kind == "too_long":
        text = f"слишком много элементов: нужно не больше {ctx.get('max_length')}"
    elif kind == "finite_number":
        text = "ожидается конечное число"
    else:
        text = f"недопустимое значение ({err['msg']})"
    shown = _shown(got)
    return f"{text} (получено {shown})" if shown else text


def _clean_loc(loc: Iterable[Key]) -> tuple[tuple[Key, ...], bool]:
    """Drop pydantic's internal parts of a location; tell whether it points at a key."""
    parts = list(loc)
    is_key = bool(parts) and parts[-1] == "[key]"
    if is_key:
        parts = parts[:-1]
    kept = tuple(
        p
        for p in parts
        if not (isinstance(p, str) and ("[" in p and p.endswith("]")) and not p.startswith("["))
    )
    return kept, is_key


def problems_from_validation(file: str, error: ValidationError) -> list[ConfigProblem]:
    """Every error of ``error`` as a Russian problem in ``file``."""
    problems = []
    for err in error.errors(include_url=False):
        loc, is_key = _clean_loc(err["loc"])
        message = _message(err)
        if is_key:
            message = f"недопустимый ключ: {message}"
        problems.append(ConfigProblem(file, loc, message))
    return problems
