"""nbval's reference notebooks (tests/reference/*.ipynb, made by `make references`).

nbval collects these notebooks (``--nbval`` in pytest's addopts) and re-executes every cell,
comparing its outputs with the reference's. Its items are not test functions and take no
fixtures, and its kernel inherits this process's environment: so the environment the build
gives a page's kernel (``KERNEL_ENV``: the inline backend that turns figures into PNG output)
and the small demo region (``SOKO_PROCESSED``) are set around the setup of a notebook's first
cell, where nbval starts the kernel, and restored after it.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest
from nbval.plugin import IPyNbCell

from soko.pipeline.notebooks import KERNEL_ENV
from tests.conftest import session_small_region

SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"


def pytest_configure(config: pytest.Config) -> None:
    # an absolute path: pytest may be started from any folder
    if not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(SANITIZE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, IPyNbCell):
            item.add_marker(pytest.mark.notebooks)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    if not isinstance(item, IPyNbCell):
        return (yield)
    env = {**KERNEL_ENV, "SOKO_PROCESSED": str(session_small_region(item.config).processed)}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        return (yield)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
