"""Where a page's time goes: seconds spent in phases (tables, charts, imports) of one kernel.

The build's kernels report, for every executed notebook, how long its cells spent loading
tables, drawing charts and importing modules (``metadata["soko"]["timing"]`` of the executed
``.ipynb``, see :mod:`soko.pipeline.kernels`), so a benchmark can say which part of a page to
make cheaper instead of guessing. The loaders and chart helpers mark their work with
:func:`phase` / :func:`timed`; the cost is two ``perf_counter`` calls, small enough to leave
on everywhere (a template run by hand simply never reads the totals).

Phases are exclusive: time inside a nested phase (a table loaded while drawing a chart, a
module imported while loading a table) counts for the inner phase only, so the phases never
add up to more than the cells took. Only the main thread is measured: the kernel's own
threads import and run code in the background, and they are not a page's work.

Standard library only: this module is imported by the loaders themselves.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

TABLES = "tables"
CHARTS = "charts"
IMPORTS = "imports"

_totals: dict[str, float] = {}
#: Open phases, innermost last: [name, time the phase last resumed].
_stack: list[list[object]] = []
_MAIN = threading.main_thread().ident


def _enter(name: str) -> None:
    now = time.perf_counter()
    if _stack:
        top = _stack[-1]
        _totals[top[0]] = _totals.get(top[0], 0.0) + now - top[1]  # type: ignore[index, operator]
    _stack.append([name, now])


def _leave() -> None:
    now = time.perf_counter()
    name, started = _stack.pop()
    _totals[name] = _totals.get(name, 0.0) + now - started  # type: ignore[index, operator]
    if _stack:
        _stack[-1][1] = now


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Count the time inside the block for ``name`` (exclusive of nested phases)."""
    if threading.get_ident() != _MAIN:
        yield
        return
    _enter(name)
    try:
        yield
    finally:
        _leave()


def timed(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: every call of the function counts for phase ``name``."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            if threading.get_ident() != _MAIN:
                return func(*args, **kwargs)
            _enter(name)
            try:
                return func(*args, **kwargs)
            finally:
                _leave()

        return inner

    return wrap


def totals() -> dict[str, float]:
    """Seconds per phase so far in this process (open phases counted up to now)."""
    result = dict(_totals)
    if _stack:
        top = _stack[-1]
        result[top[0]] = result.get(top[0], 0.0) + time.perf_counter() - top[1]  # type: ignore[index, operator]
    return result


def reset() -> None:
    """Forget the totals (a kernel starts from zero; tests start clean)."""
    _totals.clear()
