"""What a page may read while the build runs it: the tables its entry in pages.yml declares.

The build passes a page's ``reads`` to the notebook kernel in ``SOKO_DECLARED_TABLES`` (a
JSON list) and the page id in ``SOKO_PAGE_ID``. The one loader every template goes through
(``soko.derive.load``; ``soko.notebook.sql`` for the analytic base) calls ``check_read``, so
a template that reads a table its entry does not declare fails loudly in the build, instead
of silently depending on a table whose failure would not skip it. With no declaration (a
template opened in JupyterLab, a test, a script) nothing is checked.

Standard library only: this module is imported by the loaders themselves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

DECLARED_ENV = "SOKO_DECLARED_TABLES"
PAGE_ENV = "SOKO_PAGE_ID"

#: The name a page declares to query the analytic base (``data/processed/soko.duckdb``,
#: written by ingest) with ``soko.notebook.sql``.
ANALYTIC_BASE = "analytic_base"


class UndeclaredReadError(RuntimeError):
    """A page read a table that its entry in pipelines/pages.yml does not declare."""


def kernel_env(page_id: str, tables: Iterable[str]) -> dict[str, str]:
    """The kernel environment that declares ``tables`` as everything page ``page_id`` reads."""
    return {DECLARED_ENV: json.dumps(list(tables), ensure_ascii=False), PAGE_ENV: page_id}


def declared(environ: Mapping[str, str] | None = None) -> frozenset[str] | None:
    """The tables declared for the running page; ``None`` when nothing is declared."""
    env = os.environ if environ is None else environ
    raw = env.get(DECLARED_ENV)
    if raw is None:
        return None
    try:
        tables = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UndeclaredReadError(
            f"{DECLARED_ENV} должна быть списком JSON, получено: {raw!r}"
        ) from exc
    if not isinstance(tables, list):
        raise UndeclaredReadError(f"{DECLARED_ENV} должна быть списком JSON, получено: {raw!r}")
    return frozenset(str(t) for t in tables)


def check_read(name: str, environ: Mapping[str, str] | None = None) -> None:
    """Raise if a page is running under a declaration that does not include ``name``."""
    tables = declared(environ)
    if tables is None or name in tables:
        return
    env = os.environ if environ is None else environ
    page = env.get(PAGE_ENV) or "?"
    listed = ", ".join(sorted(tables)) or "ничего"
    raise UndeclaredReadError(
        f"страница {page} читает таблицу {name}, не объявленную в pipelines/pages.yml: "
        f"добавьте «{name}» в reads этой страницы (объявлено: {listed})"
    )
