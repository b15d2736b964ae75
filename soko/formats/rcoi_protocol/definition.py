"""Build a ГИА :class:`~soko.procedures.Procedure` from its kind: ingester, demo, schema."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol.demo import generate
from soko.formats.rcoi_protocol.ingest import PATTERNS, ingest_gia
from soko.formats.rcoi_protocol.kinds import GiaKind, schema
from soko.procedure import DemoContext, Ingester, IngestResult, Procedure


def _run(kind: GiaKind, paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    return ingest_gia(kind, paths, raw, schools)


def _demo(kind: GiaKind, ctx: DemoContext) -> list[Path]:
    return generate(kind, ctx)


def gia_procedure(
    kind: GiaKind,
    *,
    derived: tuple[DerivedSpec, ...],
    unified_results: Callable[[dict[str, pd.DataFrame]], pd.DataFrame],
) -> Procedure:
    return Procedure(
        code=kind.code,
        title=kind.title,
        title_words=(kind.title,),
        schemas={kind.table: schema(kind)},
        main_table=kind.table,
        ingester=Ingester(kind.folder, PATTERNS, partial(_run, kind)),
        derived=derived,
        demo=partial(_demo, kind),
        unified_results=unified_results,
        extra={"kind": kind},
    )
