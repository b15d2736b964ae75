"""The download link under a page's table carries exactly the shown table, Excel-readable."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd

from soko.page import download_link


def test_download_link_round_trips_the_shown_table() -> None:
    shown = pd.DataFrame({"Муниципалитет": ["Город «А»", "Район; Б"], "Баллы": ["12,5", "<5"]})
    link = download_link(shown, "баллы 2026.csv")
    assert 'download="баллы 2026.csv"' in link
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)\"", link).group(1)
    raw = base64.b64decode(payload)
    assert raw.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    back = pd.read_csv(io.BytesIO(raw), sep=";", dtype=str, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, shown)
