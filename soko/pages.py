"""The page declaration (``pipelines/pages.yml``): templates × parameter sets.

Keeping the list of pages in data, not code, lets an analyst add a report with a template
and a line of YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from soko.paths import project_root

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


def load_pages(path: Path | None = None) -> tuple[str, list[PageSpec]]:
    """Read and check the declaration; return the compendium title and the page specs."""
    path = path or pages_file()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    specs: list[PageSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("pages", []), start=1):
        missing = [k for k in ("id", "template", "title", "section", "scope") if k not in entry]
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
                parameters=dict(entry.get("parameters") or {}),
            )
        )
    return raw.get("title", "Сборник"), specs


def expand(
    specs: list[PageSpec], year: int, municipalities: dict[str, str], procedures: set[str]
) -> list[PageRun]:
    """All runs for one year; pages whose procedures have no data that year are left out."""
    runs: list[PageRun] = []
    for spec in specs:
        if spec.procedures and not set(spec.procedures) & procedures:
            continue
        if spec.scope == "region":
            runs.append(
                PageRun(spec, year, None, spec.title.format(year=year, municipality_name=""))
            )
            continue
        codes = spec.municipalities or tuple(municipalities)
        for code in codes:
            if code not in municipalities:
                continue
            title = spec.title.format(year=year, municipality_name=municipalities[code])
            runs.append(PageRun(spec, year, code, title))
    return runs
