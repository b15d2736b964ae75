"""Build a procedure of РЦОИ protocols from its kind: ingester, demo, schema, derived tables,
unified rows. A procedure package calls :func:`gia_procedure` with its own
:class:`~soko.formats.rcoi_protocol.kinds.GiaKind`; nothing here knows which kinds exist."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol.demo import GiaDemoParams, generate
from soko.formats.rcoi_protocol.indicators import derived_specs
from soko.formats.rcoi_protocol.ingest import PATTERNS, ingest_gia
from soko.formats.rcoi_protocol.kinds import GiaKind, schema
from soko.formats.rcoi_protocol.unified import unified_results as kind_unified
from soko.procedure import DemoContext, Ingester, IngestResult, Procedure


def _run(kind: GiaKind, paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    return ingest_gia(kind, paths, raw, schools)


def _demo(kind: GiaKind, params: GiaDemoParams | None, ctx: DemoContext) -> list[Path]:
    return generate(kind, ctx, params)


def kind_of(proc: Procedure) -> GiaKind:
    """The protocol kind of a procedure built by :func:`gia_procedure` (pages use it)."""
    kind = proc.extra.get("kind")
    if not isinstance(kind, GiaKind):
        raise ValueError(f"процедура {proc.code} не строится из протоколов РЦОИ")
    return kind


def gia_procedure(
    kind: GiaKind,
    *,
    derived: tuple[DerivedSpec, ...] | None = None,
    unified_results: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None,
    demo: Callable[[DemoContext], list[Path]] | None = None,
    demo_params: GiaDemoParams | None = None,
    config_schemas: dict[str, Any] | None = None,
) -> Procedure:
    """The procedure of one kind; by default its derived tables are the format's
    (:func:`~soko.formats.rcoi_protocol.indicators.derived_specs`), its unified rows too."""
    return Procedure(
        code=kind.code,
        title=kind.title,
        title_words=(kind.title,),
        schemas={kind.table: schema(kind)},
        main_table=kind.table,
        ingester=Ingester(kind.folder, PATTERNS, partial(_run, kind)),
        derived=derived_specs(kind) if derived is None else derived,
        demo=demo or partial(_demo, kind, demo_params),
        unified_results=unified_results or partial(kind_unified, kind),
        config_schemas=dict(config_schemas or {}),
        extra={"kind": kind},
    )
