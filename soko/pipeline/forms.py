"""`soko forms`: every procedure's blank input forms for a year, prefilled per municipality.

The specs come from the procedures (``Procedure.forms``); this module only decides who gets
a copy (each municipality of the year, or the region once) and where the files go, so a new
form needs no change here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.config import region
from soko.forms import write_form
from soko.procedure import FormContext, FormTemplate
from soko.provenance import build_date
from soko.registry import discover
from soko.school_registry import as_of


@dataclass(frozen=True)
class WrittenForm:
    template: FormTemplate
    path: Path
    municipality_code: str | None
    context: FormContext | None = None

    @property
    def raw_folder(self) -> str:
        """Where the filled copies of the template go (under the project's data/raw/)."""
        return f"data/raw/{self.template.folder}/"

    @property
    def raw_place(self) -> str:
        """Where this copy goes once filled: the year's folder (and the quarter's)."""
        if self.context is None:
            return self.raw_folder
        return self.template.raw_place(self.context)


class UnknownMunicipality(ValueError):
    """``--municipality`` names no municipality of the year (a user's mistake, in Russian)."""


def quarterly_templates() -> list[FormTemplate]:
    """The forms handed out every quarter: `soko forms` writes them only with ``--quarter``
    (and says so in Russian when it is missing)."""
    return [t for proc in discover() for t in proc.forms if t.quarterly]


def form_municipalities(
    year: int, schools: pd.DataFrame | None, config_dir: Path | None = None
) -> tuple[dict[str, str], list[str]]:
    """The municipalities of ``year`` that get a form, and those left out: with a school
    registry, the configured municipalities that have a school in it that year (a region's
    configuration may list units with no school — the demo's `large` size uses 66, its
    registry 12 — and a blank for a unit without schools would only be sent back empty);
    without a registry, every configured one."""
    configured = region(config_dir).municipalities_in(year)
    if schools is None or schools.empty or "municipality_code" not in schools.columns:
        return dict(configured), []
    present = set(as_of(schools, year)["municipality_code"].dropna().astype(str))
    kept = {c: n for c, n in configured.items() if c in present}
    if not kept:
        return dict(configured), []
    return kept, [c for c in configured if c not in kept]


def blank_forms(
    year: int,
    out: Path,
    municipality: str | None = None,
    schools: pd.DataFrame | None = None,
    config_dir: Path | None = None,
    quarter: int | None = None,
    created: dt.datetime | None = None,
) -> list[WrittenForm]:
    """Write every procedure's forms for ``year`` under ``out``; what was written, in order.

    Every workbook is dated ``created`` (naive UTC), by default the build's date
    (:func:`soko.provenance.build_date`: ``SOURCE_DATE_EPOCH``, else the commit's time), so
    blanks written twice from one commit are the same bytes.

    A per-municipality form is written for each municipality of the year that has schools
    (:func:`form_municipalities`; or ``municipality`` alone); a regional form once (skipped
    when one municipality is asked for). A quarterly form is written for ``quarter`` only,
    and not at all without one (the caller says so: :func:`quarterly_templates`); the other
    forms ignore the quarter.
    """
    cfg = region(config_dir)
    created = created or build_date().naive
    municipalities = cfg.municipalities_in(year)
    if municipality is not None and municipality not in municipalities:
        known = ", ".join(municipalities)
        raise UnknownMunicipality(
            f"муниципалитета с кодом «{municipality}» нет в config/region.yml на {year} год; "
            f"коды: {known}"
        )
    wanted = (
        {municipality: municipalities[municipality]}
        if municipality
        else form_municipalities(year, schools, config_dir)[0]
    )
    written: list[WrittenForm] = []
    for proc in discover():
        for template in proc.forms:
            if template.quarterly and quarter is None:
                continue
            q = quarter if template.quarterly else None
            if template.scope == "region":
                if municipality is not None:
                    continue
                contexts = [FormContext(year, config_dir=config_dir, schools=schools, quarter=q)]
            else:
                contexts = [
                    FormContext(year, code, name, config_dir, schools, quarter=q)
                    for code, name in wanted.items()
                ]
            for ctx in contexts:
                path = out / template.file_name(ctx)
                write_form(template.spec(ctx), path, ctx.identity(), created=created)
                written.append(WrittenForm(template, path, ctx.municipality_code, ctx))
    return written
