"""Russian labels of the ГИА indicator columns (on top of ``soko.labels``)."""

from __future__ import annotations

import pandas as pd

from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.indicators import band_labels, high_score
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.labels import COLUMN_LABELS, LEVEL_LABELS, column_label

GIA_LABELS: dict[str, str] = {
    "label": "Предмет",
    "n_participants": "Участников",
    "n_below_threshold": "Первичный балл ниже границы «3», чел.",
    "n_condition_failed": "«2» из-за дополнительного условия, чел.",
    "share_condition_failed": "«2» из-за дополнительного условия (геометрия и др.), %",
    "mean_test_score": "Средний тестовый балл",
    "share_below_min": "Ниже минимального балла, %",
    "n_below_min": "Ниже минимального балла, чел.",
    "share_below_certificate": "Ниже минимума для аттестата, %",
    "share_below_university": "Ниже минимума для поступления в вуз, %",
    "n_below_university": "Ниже минимума для вуза, чел.",
    "n_100": "100 баллов, чел.",
}
RESULT_N: dict[str, str] = {
    "mark": "Участников с отметкой",
    "test_score": "Участников с тестовым баллом",
}


def labels(kind: GiaKind) -> dict[str, str]:
    """Column → Russian header for one kind's tables (bands named «0–20» …)."""
    out = {**COLUMN_LABELS, **GIA_LABELS, "n": RESULT_N[kind.result]}
    if kind.by_marks:
        return out
    out["share_high"] = f"Высокобалльники ({high_score(kind)}–100), %"
    out["n_high"] = f"Высокобалльники ({high_score(kind)}–100), чел."
    for i, name in enumerate(band_labels(kind), start=1):
        out[f"share_band{i}"] = f"{name} баллов, %"
        out[f"n_band{i}"] = f"{name} баллов, чел."
    return out


def rename(table: pd.DataFrame, kind: GiaKind) -> pd.DataFrame:
    """Russian headers; derived columns (``*_change``, ``*_prev``) worded as in soko.labels."""
    names = labels(kind)
    out = {}
    for col in table.columns:
        if col in names:
            out[col] = names[col]
        elif col.endswith("_change") and col.removesuffix("_change") in names:
            base = names[col.removesuffix("_change")]
            if base.endswith(", %"):
                out[col] = f"{base.removesuffix(', %')}: изменение, п. п."
            else:
                out[col] = f"{base}: изменение"
        else:
            out[col] = column_label(col)
    return table.rename(columns=out)


def value_labels(kind: GiaKind) -> dict[str, dict[str, str]]:
    """Coded values shown to readers: level and subject names."""

    return {"level": LEVEL_LABELS, "subject": scales.subjects(kind)}
