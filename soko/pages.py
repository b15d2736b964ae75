"""The page declaration (``pipelines/pages.yml``): templates × parameter sets.

Keeping the list of pages in data, not code, lets an analyst add a report with a template
and a line of YAML.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from soko.declared_reads import ANALYTIC_BASE
from soko.paths import project_root
from soko.registry import derived_tables
from soko.settings.errors import ConfigError, ConfigProblem, yaml_problem
from soko.settings.loading import display_name

SCOPES = ("region", "municipality")


@dataclass(frozen=True)
class PageSpec:
    id: str
    template: str
    title: str
    section: str
    scope: str
    procedures: tuple[str, ...] = ()
    municipalities: tuple[str, ...] | None = None  # None = all
    audience: str = "internal"
    parameters: dict[str, Any] = field(default_factory=dict)
    # derived tables the template reads (names formatted with `parameters`); in the build the
    # page depends on exactly these, and reading any other table fails the page
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageRun:
    """One notebook execution: a page spec for one year (and one municipality)."""

    spec: PageSpec
    year: int
    municipality: str | None
    title: str

    @property
    def name(self) -> str:
        return self.spec.id if self.municipality is None else f"{self.spec.id}_{self.municipality}"

    def parameters(self, processed_dir: Path) -> dict[str, Any]:
        params: dict[str, Any] = {
            "year": self.year,
            "processed_dir": str(processed_dir),
            **self.spec.parameters,
        }
        if self.municipality is not None:
            params["municipality"] = self.municipality
        return params


def pages_file(root: Path | None = None) -> Path:
    return (root or project_root()) / "pipelines" / "pages.yml"


def known_tables() -> frozenset[str]:
    """What a page may declare in ``reads``: every derived table the build computes, and the
    analytic base (``analytic_base``, written by ingest)."""
    return frozenset({spec.name for spec in derived_tables()} | {ANALYTIC_BASE})


def _reads(
    path: Path, entry: Mapping[str, Any], parameters: Mapping[str, Any], known: Iterable[str]
) -> tuple[str, ...]:
    """The entry's ``reads``, formatted with its parameters and checked against ``known``."""
    where = f"{path.name}: страница {entry['id']}"
    raw = entry["reads"]
    if isinstance(raw, str) or not isinstance(raw, list):
        raise ValueError(f"{where}: reads должен быть списком таблиц, например [vpr_marks]")
    known = set(known)
    names: list[str] = []
    for item in raw:
        try:
            name = str(item).format(**parameters)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"{where}: в reads «{item}» не удаётся подставить параметры страницы "
                f"({', '.join(parameters) or 'параметров нет'}): {exc}"
            ) from exc
        if name not in known:
            raise ValueError(
                f"{where}: в reads указана неизвестная таблица {name}; производные таблицы "
                f"сборника: {', '.join(sorted(known))}"
            )
        if name not in names:
            names.append(name)
    return tuple(names)


def load_pages(
    path: Path | None = None, known: Iterable[str] | None = None
) -> tuple[str, list[PageSpec]]:
    """Read and check the declaration; return the compendium title and the page specs.

    ``known``: the table names a page may declare in ``reads`` (default ``known_tables()``).
    A mistake in the file is the user's: :class:`ConfigError` with a Russian line naming the
    file (the command prints it and exits 2, no traceback).
    """
    path = path or pages_file()
    try:
        return _load_pages(path, known)
    except yaml.YAMLError as exc:
        raise ConfigError([yaml_problem(display_name(path), exc)]) from exc
    except ValueError as exc:
        message = str(exc).removeprefix(f"{path.name}: ")
        raise ConfigError([ConfigProblem(display_name(path), (), message)]) from exc


def _load_pages(path: Path, known: Iterable[str] | None) -> tuple[str, list[PageSpec]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    known = known_tables() if known is None else frozenset(known)
    specs: list[PageSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("pages", []), start=1):
        required = ("id", "template", "title", "section", "scope", "reads")
        missing = [k for k in required if k not in entry]
        if missing:
            raise ValueError(f"{path.name}: страница №{i}: нет полей {', '.join(missing)}")
        if entry["scope"] not in SCOPES:
            raise ValueError(
                f"{path.name}: страница {entry['id']}: scope должен быть region или municipality"
            )
        if entry["id"] in seen:
            raise ValueError(f"{path.name}: страница {entry['id']} объявлена дважды")
        seen.add(entry["id"])
        muns = entry.get("municipalities", "all")
        parameters = dict(entry.get("parameters") or {})
        specs.append(
            PageSpec(
                id=entry["id"],
                template=entry["template"],
                title=entry["title"],
                section=entry["section"],
                scope=entry["scope"],
                procedures=tuple(entry.get("procedures", ())),
                municipalities=None if muns in (None, "all") else tuple(str(m) for m in muns),
                audience=entry.get("audience", "internal"),
                parameters=parameters,
                reads=_reads(path, entry, parameters, known),
            )
        )
    return raw.get("title", "Сборник"), specs


def expand(
    specs: list[PageSpec],
    year: int,
    municipalities: dict[str, str],
    procedures: set[str],
    present: Mapping[str, Iterable[str]] | None = None,
) -> list[PageRun]:
    """All runs for one year; pages whose procedures have no data that year are left out.

    ``present`` (procedure code -> municipality codes with its data that year), when given,
    narrows a municipal page to the municipalities with data of the page's procedures.
    """
    runs: list[PageRun] = []
    for spec in specs:
        if spec.procedures and not set(spec.procedures) & procedures:
            continue
        allowed: set[str] | None = None
        if present is not None and spec.procedures:
            allowed = {c for p in spec.procedures for c in present.get(p, ())}
        if spec.scope == "region":
            runs.append(
                PageRun(spec, year, None, spec.title.format(year=year, municipality_name=""))
            )
            continue
        codes = spec.municipalities or tuple(municipalities)
        for code in codes:
            if code not in municipalities or (allowed is not None and code not in allowed):
                continue
            title = spec.title.format(year=year, municipality_name=municipalities[code])
            runs.append(PageRun(spec, year, code, title))
    return runs
