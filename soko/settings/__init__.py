"""Configuration checked at the door: a pydantic model per file of ``config/``.

A mistake in a configuration file (a missing key, thresholds out of order, a typo in a
model name, broken YAML) is reported as Russian lines naming the file, the key path and
what is expected (:class:`ConfigError`), before anything runs on it; not as a traceback in
the middle of a build. ``soko.config.load_yaml`` validates every file it reads against
:data:`SCHEMAS`; ``soko check-config`` runs :func:`check_config` over the whole folder.

This package is the bottom layer: it imports only the standard library, pydantic, yaml and
``soko.paths`` (``soko.config`` builds on it). A procedure with its own file adds its model
with :func:`register_schema` (or passes it in ``extra``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from soko.paths import config_dir
from soko.settings.errors import ConfigError, ConfigFileMissing, ConfigProblem
from soko.settings.gia_scales import GiaScalesFile
from soko.settings.loading import display_name, load_checked_path, problems_at, validate
from soko.settings.objectivity import ObjectivityFile
from soko.settings.pisa import PisaFile
from soko.settings.ratings import RatingsFile
from soko.settings.region import RegionFile
from soko.settings.scales import VprScalesFile, WorkbookProcedureFile
from soko.settings.school_classes import SchoolClassesFile
from soko.settings.surveys import SurveysFile
from soko.settings.thresholds import ThresholdsFile
from soko.settings.value_added import SCALES_FILE, ValueAddedFile

M = TypeVar("M", bound=BaseModel)

SCHEMAS: dict[str, type[BaseModel]] = {
    "region.yml": RegionFile,
    "vpr_scales.yml": VprScalesFile,
    "thresholds.yml": ThresholdsFile,
    "value_added.yml": ValueAddedFile,
    "school_classes.yml": SchoolClassesFile,
    "objectivity.yml": ObjectivityFile,
    "gia_scales.yml": GiaScalesFile,
    "niko.yml": WorkbookProcedureFile,
    "rpr.yml": WorkbookProcedureFile,
    "pisa.yml": PisaFile,
    "surveys.yml": SurveysFile,
    "ratings.yml": RatingsFile,
}
# Files the pipeline cannot run without (the others belong to optional parts).
REQUIRED: tuple[str, ...] = ("region.yml", "vpr_scales.yml", "thresholds.yml")


def register_schema(name: str, model: type[BaseModel]) -> None:
    """Check ``config/<name>`` against ``model`` from now on (a procedure's own file)."""
    SCHEMAS[name] = model


def schema_for(name: str) -> type[BaseModel] | None:
    return SCHEMAS.get(name)


def load_checked(name: str, model: type[M] | None = None, directory: Path | None = None) -> M:
    """``config/<name>`` (or ``directory``'s) as its model; :class:`ConfigError` otherwise."""
    chosen = model or SCHEMAS[name]
    return load_checked_path((directory or config_dir()) / name, chosen)  # type: ignore[return-value]


def present_files(
    directory: Path | None = None, extra: Mapping[str, type[BaseModel]] | None = None
) -> list[str]:
    """Known files (``SCHEMAS`` and ``extra``) that exist in the folder."""
    folder = directory or config_dir()
    return [n for n in {**SCHEMAS, **(extra or {})} if (folder / n).is_file()]


def check_config(
    directory: Path | None = None, extra: Mapping[str, type[BaseModel]] | None = None
) -> list[ConfigProblem]:
    """Every problem of every known file in the folder, and of the files together."""
    folder = directory or config_dir()
    schemas = {**SCHEMAS, **(extra or {})}
    problems: list[ConfigProblem] = []
    models: dict[str, Any] = {}
    for name, model in schemas.items():
        path = folder / name
        if not path.is_file():
            if name in REQUIRED:
                problems.extend(validate(path, model)[1])
            continue
        instance, found = validate(path, model)
        problems.extend(found)
        if instance is not None and not found:
            models[name] = instance
    for name, issues in _cross_issues(models):
        problems.extend(problems_at(display_name(folder / name), issues))
    return problems


Issue = tuple[tuple[Any, ...], str]


def _cross_issues(models: dict[str, Any]) -> Iterator[tuple[str, list[Issue]]]:
    """Rules between files, over the files that are valid on their own."""
    region: RegionFile | None = models.get("region.yml")
    objectivity: ObjectivityFile | None = models.get("objectivity.yml")
    if region is not None and objectivity is not None:
        yield "objectivity.yml", list(_known_groups(region, objectivity))
    vpr: VprScalesFile | None = models.get("vpr_scales.yml")
    classes: SchoolClassesFile | None = models.get("school_classes.yml")
    if vpr is not None and classes is not None:
        yield "school_classes.yml", list(_class_subjects(vpr, classes))
    va: ValueAddedFile | None = models.get("value_added.yml")
    if va is not None:
        found = []
        for i, a in enumerate(va.analyses):
            scales = models.get(SCALES_FILE[a.procedure])
            if scales is None:
                continue
            for j, subject in enumerate(a.subjects):
                if subject not in scales.subjects:
                    found.append(
                        (
                            ("analyses", i, "subjects", j),
                            f"предмета «{subject}» нет в {SCALES_FILE[a.procedure]} "
                            f"(есть: {', '.join(scales.subjects)})",
                        )
                    )
        yield "value_added.yml", found
    ratings: RatingsFile | None = models.get("ratings.yml")
    if ratings is not None and va is not None:
        yield "ratings.yml", list(_rating_analyses(va, ratings))


def _rating_analyses(va: ValueAddedFile, ratings: RatingsFile) -> Iterator[Issue]:
    known = [a.id for a in va.analyses]
    for level in ("schools", "municipalities"):
        for i, c in enumerate(getattr(ratings, level).components):
            for j, name in enumerate(c.analyses or []):
                if name not in known:
                    yield (
                        (level, "components", i, "analyses", j),
                        f"анализа «{name}» нет в value_added.yml → analyses "
                        f"(есть: {', '.join(known)})",
                    )


def _known_groups(region: RegionFile, obj: ObjectivityFile) -> Iterator[Issue]:
    exp = obj.expectation
    for key, values, known, what in (
        ("selective_kinds", exp.selective_kinds, region.school_kinds, "school_kinds"),
        ("basic_kinds", exp.basic_kinds, region.school_kinds, "school_kinds"),
        ("village_localities", exp.village_localities, region.localities, "localities"),
    ):
        for i, value in enumerate(values):
            if value not in known:
                yield (
                    ("expectation", key, i),
                    f"«{value}» нет в region.yml → {what} (есть: {', '.join(known)})",
                )


def _class_subjects(vpr: VprScalesFile, classes: SchoolClassesFile) -> Iterator[Issue]:
    lists = (
        (("shnor", "subjects"), classes.shnor.subjects),
        (("resilient", "results_subjects"), classes.resilient.results_subjects),
        (("high_results", "subjects"), classes.high_results.subjects),
    )
    for where, subjects in lists:
        for i, subject in enumerate(subjects):
            if subject not in vpr.subjects:
                yield (
                    (*where, i),
                    f"предмета «{subject}» нет в vpr_scales.yml → subjects "
                    f"(есть: {', '.join(vpr.subjects)})",
                )


__all__ = [
    "REQUIRED",
    "SCHEMAS",
    "ConfigError",
    "ConfigFileMissing",
    "ConfigProblem",
    "check_config",
    "load_checked",
    "present_files",
    "register_schema",
    "schema_for",
]
