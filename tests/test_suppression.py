"""Small-group suppression, display formatting and Russian labels."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.labels import column_label, is_share, rename_columns
from soko.suppression import (
    MINUS,
    format_count,
    format_number,
    format_percent,
    format_pp,
    format_signed,
    format_table,
    suppress_small_groups,
    to_display,
)

SP = "\u00a0"
SUBJECTS = {"ru": "Русский язык"}
LABELS = {
    "level": {"region": "Регион", "school": "ОО"},
    "subject": SUBJECTS,
    "zone": {"grey": "серая зона"},
}


def marks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["region", "school", "school"],
            "unit_code": ["99", "edu1", "edu2"],
            "unit_name": ["Область", "Школа 1", "Школа 2"],
            "year": [2026, 2026, 2026],
            "subject": ["ru", "ru", "ru"],
            "grade": [4, 4, 4],
            "n_participants": [12345, 5, 6],
            "n": [12000, 5, 4],
            "n_mark2": [1200, 1, 0],
            "success_rate": [0.634, 0.8, 1.0],
            "mean_primary_score": [14.25, 16.0, 13.5],
        }
    )


def test_n4_suppressed_n5_not() -> None:
    table = marks()
    out = suppress_small_groups(table, 5)
    assert out["suppressed"].tolist() == [False, False, True]
    # n = 5 keeps its numbers
    assert out.loc[1, "n_mark2"] == 1
    assert out.loc[1, "success_rate"] == pytest.approx(0.8)
    # n = 4: every metric masked, n too (it is itself small), keys kept
    for col in ("n_participants", "n", "n_mark2", "success_rate", "mean_primary_score"):
        assert pd.isna(out.loc[2, col]), col
    assert out.loc[2, ["level", "unit_code", "unit_name", "year", "subject", "grade"]].tolist() == [
        "school",
        "edu2",
        "Школа 2",
        2026,
        "ru",
        4,
    ]
    # counts stay integers (nullable), the input is untouched
    assert str(out["n_mark2"].dtype) == "Int64"
    assert "suppressed" not in table.columns
    assert table.loc[2, "success_rate"] == 1.0


def test_min_group_default_from_config() -> None:
    # config/thresholds.yml suppression.min_group: 5
    assert suppress_small_groups(marks())["suppressed"].tolist() == [False, False, True]


def test_keep_and_previous_year_size() -> None:
    table = marks().assign(n_prev=pd.array([10000, 3, pd.NA], dtype="Int64"))
    out = suppress_small_groups(table, 5, keep=["n_participants"])
    # edu1: n = 5 but the year it is compared with had 3 → suppressed; n itself stays
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[1, "n"] == 5
    assert pd.isna(out.loc[1, "n_prev"])
    assert pd.isna(out.loc[1, "success_rate"])
    assert out.loc[2, "n_participants"] == 6  # kept on request


def test_needs_a_size_column() -> None:
    with pytest.raises(ValueError, match="group-size"):
        suppress_small_groups(marks().drop(columns="n"), 5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.634, f"63,4{SP}%"),
        (0.6345, f"63,5{SP}%"),  # half up, as people round
        (1 / 3, f"33,3{SP}%"),
        (1.0, f"100,0{SP}%"),
        (0.0, f"0,0{SP}%"),
        (-0.0001, f"0,0{SP}%"),  # no "-0,0"
        (float("nan"), "—"),
        (pd.NA, "—"),
    ],
)
def test_format_percent(value: object, text: str) -> None:
    assert format_percent(value) == text


def test_other_formatters() -> None:
    assert format_number(14.25) == "14,3"
    assert format_number(16.0) == "16,0"
    assert format_number(2.5, 0) == "3"
    assert format_count(12345) == f"12{SP}345"
    assert format_count(5) == "5"
    assert format_pp(0.1) == f"+10,0{SP}п.{SP}п."
    assert format_pp(-0.052) == f"-5,2{SP}п.{SP}п."
    assert format_pp(0.0) == f"0,0{SP}п.{SP}п."
    assert format_pp(None) == "—"


def test_format_signed() -> None:
    assert format_signed(14.25) == "14,3"  # half up
    assert format_signed(-3.04) == "−3,0"  # typographic minus
    assert format_signed(-0.45, 2) == "−0,45"
    assert format_signed(6.14, plus=True) == "+6,1"
    assert format_signed(-6.14, plus=True) == "−6,1"
    assert format_signed(0.04, plus=True) == "0,0"  # no «+0,0»
    assert format_signed(-0.04) == "0,0"  # no «−0,0»
    assert format_signed(2.5, 0) == "3"
    assert format_signed(float("nan")) == "—"
    assert format_pp(-0.052, minus=MINUS) == f"−5,2{SP}п.{SP}п."


def test_format_table() -> None:
    out = format_table(marks(), min_n=5, labels=LABELS)
    assert "suppressed" not in out.columns
    assert out.loc[0].tolist() == [
        "Регион",
        "99",
        "Область",
        "2026",  # a year, not a count: no thousands space
        "Русский язык",
        "4",
        f"12{SP}345",
        f"12{SP}000",
        f"1{SP}200",
        f"63,4{SP}%",
        "14,3",
    ]
    assert out.loc[1, "n"] == "5"
    assert out.loc[2, "n"] == "<5"
    assert out.loc[2, "n_participants"] == "—"
    assert out.loc[2, "success_rate"] == "—"
    assert out.loc[2, "unit_name"] == "Школа 2"


def test_format_table_of_already_suppressed_table_is_the_same() -> None:
    table = marks().assign(
        n_prev=pd.array([10000, pd.NA, 3], dtype="Int64"),
        prev_year=pd.array([2025, pd.NA, 2025], dtype="Int64"),
    )
    direct = format_table(table, min_n=5, labels=LABELS)
    via = format_table(suppress_small_groups(table, 5), min_n=5, labels=LABELS)
    pd.testing.assert_frame_equal(direct, via)
    assert direct["n_prev"].tolist() == [f"10{SP}000", "—", "<5"]  # no previous year ≠ small


def test_format_table_zone_bool_and_change() -> None:
    table = pd.DataFrame(
        {
            "level": ["school"],
            "n": [20],
            "zone": ["grey"],
            "negative_dynamics": pd.array([True], dtype="boolean"),
            "share_mark2_change": [0.123],
            "mean_primary_score_change": [-1.25],
        }
    )
    out = format_table(table, min_n=5, labels=LABELS).iloc[0].tolist()
    assert out == ["ОО", "20", "серая зона", "да", f"+12,3{SP}п.{SP}п.", "-1,3"]


def test_to_display_selects_and_renames() -> None:
    out = to_display(marks(), ["unit_name", "success_rate"], kind="marks", min_n=5, labels=LABELS)
    assert out.columns.tolist() == ["Наименование", "Успеваемость, %"]
    # suppression looked at `n` although it is not shown
    assert out["Успеваемость, %"].tolist() == [f"63,4{SP}%", f"80,0{SP}%", "—"]


def test_labels() -> None:
    assert column_label("success_rate") == "Успеваемость, %"
    assert column_label("quality_rate") == "Качество знаний, %"
    assert column_label("share_lowered") == "Понизили, %"
    assert column_label("n", "journal") == "Участников с обеими отметками"
    assert column_label("share_mark2_change") == "«2»: изменение, п. п."
    assert column_label("success_rate_prev") == "Успеваемость, % (предыдущий год)"
    assert column_label("n_prev") == "Участников в предыдущем году"
    assert column_label("something_else") == "something_else"
    assert is_share("share_mark5") and is_share("completion") and is_share("quality_rate_change")
    assert not is_share("n_mark5") and not is_share("mean_primary_score")
    renamed = rename_columns(pd.DataFrame(columns=["zone", "completion"]), kind="tasks")
    assert renamed.columns.tolist() == ["Зона", "Выполнение, %"]
