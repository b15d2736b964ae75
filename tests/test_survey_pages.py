"""The survey templates run on the small demo region, as the build runs them, and show no
group of fewer than five respondents and no respondent-level row."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from soko import derive
from soko.paths import notebooks_dir
from soko.pipeline.derived import derive_table
from soko.pipeline.notebooks import execute_notebook
from soko.procedures.survey.settings import survey_settings
from soko.registry import discover
from tests.conftest import SmallRegion

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def processed(small_region: SmallRegion) -> Path:
    mine = [p for p in discover() if p.code in ("pisa", "survey")]  # PISA page tests use it too
    for spec in (s for p in mine for s in p.derived):
        derive_table(spec.name, small_region.processed)
    return small_region.processed


def _run(template: str, out: Path, **params: object) -> str:
    """Execute with the build's parameters; return the outputs' text (HTML and Markdown)."""
    executed = out / template
    execute_notebook(notebooks_dir() / template, executed, params, cwd=notebooks_dir())
    nb = nbformat.read(executed, as_version=4)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            data = output.get("data", {})
            texts += [data.get("text/html", ""), data.get("text/markdown", "")]
            if output.get("output_type") == "stream":
                texts.append(output.get("text", ""))
    return "\n".join(texts)


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr.*?>(.*?)</tr>", html, re.S)
    return [
        [unescape(c).strip() for c in re.findall(r"<t[dh].*?>(.*?)</t[dh]>", r, re.S)] for r in rows
    ]


def test_survey_municipality_page_suppresses_small_schools(processed: Path, tmp_path: Path) -> None:
    rates = derive.load("survey_response_rates", processed)
    year = int(rates["year"].max())
    small = rates[(rates["level"] == "school") & (rates["n"] < 5) & (rates["year"] == year)]
    assert not small.empty  # the demo has schools with fewer than 5 respondents
    code = small["municipality_code"].iloc[0]
    text = _run(
        "survey_municipality.ipynb",
        tmp_path,
        year=year,
        municipality=code,
        processed_dir=str(processed),
    )
    q_names = {c: q.name for c, q in survey_settings().questionnaires.items()}
    mine = small[small["municipality_code"] == code]
    pairs = set(zip(mine["questionnaire"].map(q_names), mine["unit_name"], strict=True))
    rows = [r for r in _cells(text) if len(r) == 5 and (r[0], r[1]) in pairs]
    assert len(rows) == len(pairs)  # the response-rate table lists them, suppressed:
    assert all(r[3] == "<5" and r[4] == "—" and r[2].isdigit() for r in rows), rows
    answers = pd.read_parquet(processed / "survey_responses.parquet")
    assert not any(rid in text for rid in answers["respondent_id"].head(50))


def test_survey_region_page_runs_with_default_year(processed: Path, tmp_path: Path) -> None:
    text = _run("survey_region.ipynb", tmp_path, processed_dir=str(processed))
    year = int(derive.load("survey_indices", processed)["year"].max())
    assert f"{year} год" in text and "Индексы" in text
