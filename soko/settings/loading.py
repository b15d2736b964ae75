"""Read a configuration file once, check it against its model, say every problem in Russian.

Parsed files are cached by path, modification time and size, so a file edited between two
calls (tests write temporary config folders) is read again, and an unchanged one is not.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from soko.paths import project_root
from soko.settings.errors import (
    ConfigError,
    ConfigFileMissing,
    ConfigProblem,
    Key,
    missing_file_problem,
    problems_from_validation,
    yaml_problem,
)

M = TypeVar("M", bound=BaseModel)
Issue = tuple[tuple[Key, ...], str]  # (key path, Russian message)


def display_name(path: Path) -> str:
    """«config/vpr_scales.yml» inside the project, the full path elsewhere."""
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return str(path)


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _parsed(stamp: tuple[str, int, int]) -> tuple[Any, str | None, ConfigProblem | None]:
    """(data, text, syntax problem) of one version of a file."""
    path = Path(stamp[0])
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        return None, text, yaml_problem(display_name(path), err)
    return (data if data is not None else {}), text, None


def read_raw(path: Path) -> Any:
    """The parsed YAML (a fresh copy), or :class:`ConfigError` for a missing file or bad YAML."""
    stamp = _stamp(path)
    if stamp is None or not path.is_file():
        raise ConfigFileMissing([missing_file_problem(display_name(path))])
    data, _, problem = _parsed(stamp)
    if problem is not None:
        raise ConfigError([problem])
    return copy.deepcopy(data)


def _line_of(text: str | None, key_path: tuple[Key, ...]) -> int | None:
    """Best-effort 1-based line of the deepest key of ``key_path`` present in the file."""
    if not text:
        return None
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for key in key_path:
        found = _child(node, key)
        if found is None:
            break
        key_node, node = found
        line = (key_node or node).start_mark.line + 1
    return line


def _child(node: Any, key: Key) -> tuple[Any, Any] | None:
    if isinstance(node, yaml.MappingNode):
        merged = []
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge":
                merged.extend(v.value if isinstance(v, yaml.SequenceNode) else [v])
            elif str(k.value) == str(key):
                return k, v
        for m in merged:
            found = _child(m, key)
            if found is not None:
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return None, node.value[key]
    return None


def _issues(instance: BaseModel) -> Iterator[Issue]:
    check = getattr(instance, "issues", None)
    if callable(check):
        yield from check()


def validate(path: Path, model: type[M]) -> tuple[M | None, list[ConfigProblem]]:
    """The file checked against ``model`` and its own rules: (instance or None, problems)."""
    file = display_name(path)
    stamp = _stamp(path)
    if stamp is None or not path.is_file():
        return None, [missing_file_problem(file)]
    data, text, problem = _parsed(stamp)
    if problem is not None:
        return None, [problem]
    try:
        instance = model.model_validate(data)
    except ValidationError as err:
        problems = problems_from_validation(file, err)
        return None, [_with_line(p, text) for p in problems]
    found = [ConfigProblem(file, loc, msg) for loc, msg in _issues(instance)]
    return instance, [_with_line(p, text) for p in found]


def _with_line(problem: ConfigProblem, text: str | None) -> ConfigProblem:
    if problem.line is not None or not problem.key_path:
        return problem
    line = _line_of(text, problem.key_path)
    return ConfigProblem(problem.file, problem.key_path, problem.message, line)


@lru_cache(maxsize=64)
def _checked(
    stamp: tuple[str, int, int], model: type[M]
) -> tuple[M | None, tuple[ConfigProblem, ...]]:
    instance, problems = validate(Path(stamp[0]), model)
    return instance, tuple(problems)


def load_checked_path(path: Path, model: type[M]) -> M:
    """The file as ``model``, or :class:`ConfigError` with every problem."""
    stamp = _stamp(path)
    if stamp is None or not path.is_file():
        raise ConfigFileMissing([missing_file_problem(display_name(path))])
    instance, problems = _checked(stamp, model)
    if problems or instance is None:
        raise ConfigError(list(problems))
    return instance


def problems_at(file: str, issues: Iterable[Issue]) -> list[ConfigProblem]:
    return [ConfigProblem(file, loc, msg) for loc, msg in issues]
