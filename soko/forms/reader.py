"""A filled form read back: every data row typed, every broken rule a Russian problem.

The file goes through :func:`soko.readers.sheets.read_sheets` (calamine), so the template
filled in Excel (.xlsx, .xls) or LibreOffice (.ods) reads the same way. The rules checked are
the spec's, the very ones the template's data validation declares (one source of truth):
users paste past Excel's validation, and LibreOffice keeps it only partly.

What is rejected, and how much: a bad cell rejects its row only; a changed grey (prefilled)
cell rejects its row; a sheet whose identity (year, municipality) differs from the form's
rejects that sheet; a form of another municipality or year, as the reader is told to expect,
rejects the whole file; a missing sheet or header is named and the other sheets still flow.
Every problem names the file, the sheet, the Excel row, the column (letter and header) and
the rule. The canonical tables a procedure builds from the rows then go through their
great-expectations contract with :func:`validate_forms`, for what the cell rules cannot say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from soko.contracts.suites import validate_frame
from soko.file_report import SAME_KEY, DuplicateNotice, FileReport, display_name
from soko.forms.cells import Checked, cell_value_text, check_cell
from soko.forms.spec import (
    INSTRUCTION_SHEET,
    LISTS_SHEET,
    NAME_HEADER,
    QUARTER,
    Column,
    FormSpec,
    Row,
    SheetSpec,
)
from soko.readers.problems import FileProblem, Problem
from soko.readers.sheets import Sheet, column_letter, read_sheets

_SPACES = re.compile(r"\s+")
_PLACE = ("sheet", "row", "source_file", "source_row")  # where a row is, not what it says
_HEADER_SCAN = 40  # rows searched for the header
_LIST_LIMIT = 12  # values listed in a message before «…»


def _norm(text: str) -> str:
    return _SPACES.sub(" ", (text or "").replace("\u00a0", " ")).strip().casefold()


def _listed(values: Collection[str]) -> str:
    shown = [f"«{v}»" for v in list(values)[:_LIST_LIMIT]]
    return ", ".join(shown) + (" …" if len(values) > _LIST_LIMIT else "")


@dataclass
class FormRead:
    """One file read against its spec.

    ``frames``: per sheet code, every data row read, typed, with ``sheet`` (the sheet's code)
    and ``row`` (the Excel row); ``accepted(code)`` leaves out the rejected ones.
    ``identity``: the identity the file states (from its first data sheet), as text.
    """

    file: str
    spec: FormSpec
    identity: dict[str, str] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rejected: set[tuple[str, int]] = field(default_factory=set)
    duplicates: list[DuplicateNotice] = field(default_factory=list)  # identical copies
    unread_rows: int = 0  # rows of sheets that could not be read at all (all rejected)
    whole_file: bool = False  # nothing of the file is accepted

    @property
    def rows_read(self) -> int:
        return sum(len(f) for f in self.frames.values()) + self.unread_rows

    @property
    def rows_accepted(self) -> int:
        if self.whole_file:
            return 0
        return sum(len(self.accepted(code)) for code in self.frames)

    def accepted(self, code: str) -> pd.DataFrame:
        frame = self.frames.get(code)
        if frame is None:
            return pd.DataFrame()
        if self.whole_file:
            return frame.iloc[0:0]
        bad = {row for sheet, row in self.rejected if sheet == code}
        return frame[~frame["row"].isin(bad)]

    def reject(self, code: str, row: int, problem: Problem) -> None:
        self.rejected.add((code, row))
        self.problems.append(problem)

    def reject_file(self, problem: Problem) -> None:
        self.whole_file = True
        self.problems.append(problem)

    def report(self, kind: str) -> FileReport:
        """The file's account in the usual shape (accepted + rejected = read)."""
        rep = FileReport(self.file, kind)
        rep.rows_read = self.rows_read
        rep.rows_accepted = self.rows_accepted
        rep.problems = list(self.problems)
        rep.duplicates = list(self.duplicates)
        return rep


def _where(sheet: SheetSpec, row: int, col: int | None, header: str | None) -> str:
    if col is None:
        return f"лист «{sheet.name}», строка {row}"
    return f"лист «{sheet.name}», ячейка {column_letter(col)}{row} («{header}»)"


def cell_problem(
    file: str,
    sheet: SheetSpec,
    row: int,
    col: int,
    column: Column,
    rule: str,
    message: str,
    value: str,
) -> Problem:
    return Problem(
        file,
        row,
        column.header,
        rule,
        f"{_where(sheet, row, col, column.header)}: {message}",
        value,
    )


def _find_header(rows: list[list[str]], sheet: SheetSpec) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column name → index) of the first row that holds at least half
    of the sheet's headers; None when no row does."""
    wanted = {_norm(c.header): c.name for c in sheet.columns}
    need = max(1, (len(wanted) + 1) // 2)
    for i, cells in enumerate(rows[:_HEADER_SCAN]):
        found: dict[str, int] = {}
        for j, text in enumerate(cells):
            name = wanted.get(_norm(text))
            if name is not None and name not in found:
                found[name] = j
        if len(found) >= need:
            return i, found
    return None


def _identity(rows: list[list[str]], top: int, spec: FormSpec) -> dict[str, tuple[str, int]]:
    """Identity field → (value, 1-based row) from the rows above the header."""
    labels = {_norm(f.label): f.name for f in spec.identity}
    out: dict[str, tuple[str, int]] = {}
    for i, cells in enumerate(rows[:top]):
        name = labels.get(_norm(cells[0])) if cells else None
        if name is not None and name not in out:
            out[name] = ((cells[1] if len(cells) > 1 else "").strip(), i + 1)
    return out


def _allowed(expected: str | Collection[str]) -> set[str]:
    if isinstance(expected, str | int):
        return {_norm(str(expected))}
    return {_norm(str(v)) for v in expected}


def _identity_problems(
    read: FormRead,
    sheet: SheetSpec,
    found: dict[str, tuple[str, int]],
    expected: Mapping[str, str | Collection[str]],
) -> bool:
    """Check one sheet's identity; False when the sheet (or file) must be rejected."""
    ok = True
    for f in read.spec.identity:
        if f.name not in found:
            read.problems.append(
                Problem(
                    read.file,
                    None,
                    f.label,
                    "form_identity",
                    f"лист «{sheet.name}»: нет строки «{f.label}» над таблицей (столбец A — "
                    f"«{f.label}», столбец B — значение); не удаляйте строки над заголовком",
                )
            )
            ok = False
            continue
        value, row = found[f.name]
        where = f"лист «{sheet.name}», ячейка B{row} («{f.label}»)"
        first = read.identity.get(f.name)
        if first is None:
            read.identity[f.name] = value
            if f.name in expected and _norm(value) not in _allowed(expected[f.name]):
                allowed = expected[f.name]
                wanted = (
                    f"«{allowed}»" if isinstance(allowed, str | int) else _listed(sorted(allowed))
                )
                read.reject_file(
                    Problem(
                        read.file,
                        row,
                        f.label,
                        "form_identity",
                        f"{where}: форма не того, кого ожидали: «{value}», а ожидается "
                        f"{wanted}; вся форма отклонена (проверьте, тот ли это файл и "
                        "в той ли он папке)",
                        value,
                    )
                )
                return False
        elif _norm(first) != _norm(value):
            read.problems.append(
                Problem(
                    read.file,
                    row,
                    f.label,
                    "form_identity_same",
                    f"{where}: «{value}», а на первом листе формы «{first}»: лист, похоже, "
                    "скопирован из другой формы; строки этого листа отклонены",
                    value,
                )
            )
            ok = False
    return ok


def _typed(frame: pd.DataFrame, sheet: SheetSpec) -> pd.DataFrame:
    """Columns whose rule is one kind in every row get that kind's dtype; mixed ones stay
    object (a value column holding numbers in some rows and yes/no in others)."""
    kinds: dict[str, set[str]] = {c.name: {c.kind} for c in sheet.columns}
    for row in sheet.rows:
        for name, rule in row.rules.items():
            if "kind" in rule:
                kinds[name].add(rule["kind"])
    dtypes = {
        "integer": "Int64",
        "year": "Int64",
        "number": "float64",
        "share": "float64",
        "yesno": "boolean",
    }
    for name, ks in kinds.items():
        (kind,) = ks if len(ks) == 1 else ("mixed",)
        if kind in dtypes:
            frame[name] = frame[name].astype(dtypes[kind])
        elif kind != "mixed":
            frame[name] = frame[name].astype("string")
    return frame


def _read_sheet(read: FormRead, spec: SheetSpec, sheet: Sheet, expected: Mapping) -> None:
    rows = sheet.rows
    header = _find_header(rows, spec)
    if header is None:  # its filled rows are counted read and rejected, not lost
        below = rows[1 + len(read.spec.identity) :]
        read.unread_rows += sum(1 for cells in below if any(c.strip() for c in cells))
        read.problems.append(
            Problem(
                read.file,
                None,
                None,
                "form_header",
                f"лист «{spec.name}»: не найдена строка заголовков таблицы ("
                + _listed([c.header for c in spec.columns])
                + "); строки листа не прочитаны: верните заголовки, как в бланке",
            )
        )
        return
    top, index = header
    data = [(i + 1, cells) for i, cells in enumerate(rows[top + 1 :], start=top + 1)]
    data = [(r, cells) for r, cells in data if any(c.strip() for c in cells)]
    missing = [c for c in spec.columns if c.name not in index]
    if missing:
        read.unread_rows += len(data)
        read.problems.append(
            Problem(
                read.file,
                top + 1,
                missing[0].header,
                "form_columns",
                f"лист «{spec.name}», строка {top + 1}: нет столбцов "
                + _listed([c.header for c in missing])
                + "; строки листа не прочитаны (верните столбцы, как в бланке)",
            )
        )
        return
    if read.spec.personal and _name_columns(read, spec, rows[top], index, top + 1):
        read.unread_rows += len(data)
        return
    sheet_ok = _identity_problems(read, spec, _identity(rows, top, read.spec), expected)
    if read.whole_file or not sheet_ok:  # its rows are rejected whatever their cells
        read.unread_rows += len(data)
        return
    by_key = {_norm(cell_value_text(r.cells[spec.key])): r for r in spec.rows} if spec.rows else {}
    seen: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    for excel_row, cells in data:
        texts = {
            c.name: (cells[index[c.name]] if index[c.name] < len(cells) else "")
            for c in spec.columns
        }
        record: dict[str, Any] = {"sheet": spec.code, "row": excel_row}
        problems = _row_problems(read.file, spec, excel_row, texts, index, by_key, seen, record)
        records.append(record)
        for p in problems:
            read.reject(spec.code, excel_row, p)
    if spec.rows:
        absent = [
            cell_value_text(r.cells[spec.key])
            for r in spec.rows
            if _norm(cell_value_text(r.cells[spec.key])) not in seen
        ]
        if absent:
            key = spec.column(spec.key)
            read.problems.append(
                Problem(
                    read.file,
                    None,
                    key.header,
                    "form_rows",
                    f"лист «{spec.name}»: нет строк формы с кодами {_listed(absent)} "
                    "(строки бланка не удаляют: заполните их)",
                )
            )
    columns = ["sheet", "row", *(c.name for c in spec.columns)]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["sheet"] = frame["sheet"].astype("string")
    frame["row"] = frame["row"].astype("int64")
    read.frames[spec.code] = _typed(frame, spec)


def _name_columns(
    read: FormRead, spec: SheetSpec, header: list[str], index: dict[str, int], row: int
) -> bool:
    """On a form about anonymous persons: columns the user added whose header names a
    person. Each is a problem; True when the sheet's rows must all be rejected."""
    ours = set(index.values())
    found = False
    for j, text in enumerate(header):
        if j in ours or not text.strip() or not NAME_HEADER.search(text.strip()):
            continue
        found = True
        read.problems.append(
            Problem(
                read.file,
                row,
                text.strip(),
                "form_personal_data",
                f"лист «{spec.name}», ячейка {column_letter(j)}{row} («{text.strip()}»): "
                "в форме не должно быть ФИО и других данных, по которым узнают человека, — "
                "только анонимный код; строки листа не приняты: удалите столбец и "
                "пришлите форму снова",
                text.strip(),
            )
        )
    return found


def _row_problems(
    file: str,
    spec: SheetSpec,
    excel_row: int,
    texts: dict[str, str],
    index: dict[str, int],
    by_key: dict[str, Row],
    seen: dict[str, int],
    record: dict[str, Any],
) -> list[Problem]:
    """Check one data row; fill ``record`` with its typed values; its problems."""
    problems: list[Problem] = []
    prefilled: Row | None = None
    if spec.rows:
        text = texts[spec.key].strip()
        prefilled = by_key.get(_norm(text))
        bad: tuple[str, str] | None = None
        if prefilled is None:
            codes = _listed([cell_value_text(r.cells[spec.key]) for r in spec.rows])
            bad = (
                "form_prefilled",
                "такого кода нет в бланке: серые ячейки заполнены заранее, менять их нельзя "
                f"(коды бланка: {codes})",
            )
        elif _norm(text) in seen:
            bad = (
                "form_row_repeated",
                f"строка с этим кодом уже есть (строка {seen[_norm(text)]}); оставьте одну",
            )
            prefilled = None
        if bad is not None:
            col, column = index[spec.key], spec.column(spec.key)
            problems.append(cell_problem(file, spec, excel_row, col, column, *bad, text))
        else:
            seen[_norm(text)] = excel_row
    for column in spec.rules_for(prefilled):
        text = texts[column.name]
        col = index[column.name]
        if column.locked and spec.rows:
            if prefilled is None:
                record[column.name] = text or None
                continue
            wanted = cell_value_text(prefilled.cells.get(column.name))
            if _norm(text) != _norm(wanted):
                problems.append(
                    cell_problem(
                        file,
                        spec,
                        excel_row,
                        col,
                        column,
                        "form_prefilled",
                        f"серая ячейка изменена: в бланке «{wanted}»; серые ячейки заполнены "
                        "заранее, менять их нельзя",
                        text,
                    )
                )
            checked: Checked = check_cell(column, wanted)
            record[column.name] = checked.value if checked.ok else wanted
            continue
        checked = check_cell(column, text, texts)
        record[column.name] = checked.value
        if prefilled is None and spec.rows:
            continue  # the row is rejected already; its rule is unknown
        if not checked.ok:
            problems.append(
                cell_problem(
                    file, spec, excel_row, col, column, checked.rule or "", checked.message, text
                )
            )
    return problems


def read_form(
    path: Path,
    spec: FormSpec,
    display: str | None = None,
    expected_identity: Mapping[str, str | Collection[str]] | None = None,
) -> FormRead:
    """Read a filled form. ``display``: the file's name in messages (its path under
    data/raw); ``expected_identity``: per identity field, the value (or the values) the form
    must state — another municipality's or another year's form is rejected whole. Never
    raises for a bad file: an unreadable one is one problem, with nothing accepted."""
    path = Path(path)
    read = FormRead(display or path.name, spec)
    try:
        sheets = read_sheets(path)
    except FileProblem as exc:
        read.reject_file(Problem(read.file, None, None, exc.problem.rule, exc.problem.message))
        return read
    by_name = {_norm(s.name): s for s in sheets}
    present = [s for s in spec.sheets if _norm(s.name) in by_name]
    if not present:
        read.reject_file(
            Problem(
                read.file,
                None,
                None,
                "form_sheets",
                f"это не форма «{spec.title}»: в книге нет ни одного её листа ("
                + _listed([s.name for s in spec.sheets])
                + "); листы книги: "
                + _listed([s.name for s in sheets]),
            )
        )
        return read
    known = {_norm(s.name) for s in spec.sheets} | {_norm(INSTRUCTION_SHEET), _norm(LISTS_SHEET)}
    strange = [s.name for s in sheets if _norm(s.name) not in known]
    besides = f"; в книге есть листы не из бланка: {_listed(strange)}" if strange else ""
    for s in spec.sheets:
        if s not in present:
            read.problems.append(
                Problem(
                    read.file,
                    None,
                    None,
                    "form_sheet",
                    f"нет листа «{s.name}» ({s.title}): его строки не прочитаны; не "
                    f"переименовывайте и не удаляйте листы бланка{besides}",
                )
            )
    for s in present:
        _read_sheet(read, s, by_name[_norm(s.name)], expected_identity or {})
    return read


# --- a folder of forms -----------------------------------------------------------------------

_YEAR = re.compile(r"(19|20)\d\d")
_NO_SPEC = FormSpec("unknown", "форма", ())


def cell_texts(rows: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of a sheet's accepted rows as stripped text, a blank cell as NA, and a
    column the sheet does not have as all NA; index 0…n−1. The one way a procedure's staging
    reads a cell back (before mapping names to codes or parsing numbers), so every form treats
    «  » and a missing optional column alike."""
    if name not in rows.columns:
        return pd.Series(pd.NA, index=range(len(rows)), dtype="string")
    s = rows[name].reset_index(drop=True).astype("string").str.strip()
    return s.mask(s == "")


def folder_year(path: Path, raw: Path) -> int | None:
    """The year of the folder a form lies in (``data/raw/<kind>/<year>/…``), if any."""
    try:
        parts = Path(path).resolve().relative_to(Path(raw).resolve()).parts[:-1]
    except ValueError:
        parts = Path(path).parts[:-1]
    years = [int(p) for p in parts if _YEAR.fullmatch(p)]
    return years[-1] if years else None


_QUARTER_FOLDER = re.compile(r"[qQ]([1-4])")


def folder_quarter(path: Path, raw: Path) -> int | None:
    """The quarter of the folder a quarterly form lies in (``data/raw/<kind>/<year>/q<1–4>/``),
    if any: like the year's folder, it is what the form must state."""
    try:
        parts = Path(path).resolve().relative_to(Path(raw).resolve()).parts[:-1]
    except ValueError:
        parts = Path(path).parts[:-1]
    found = [int(m.group(1)) for p in parts if (m := _QUARTER_FOLDER.fullmatch(p))]
    return found[-1] if found else None


def stated_year(path: Path, label: str = "Год") -> int | None:
    """The year a form states on its sheets (the identity row ``label``), None when it states
    none or cannot be read (the reader then says why)."""
    try:
        sheets = read_sheets(Path(path))
    except FileProblem:
        return None
    for sheet in sheets:
        for cells in sheet.rows[:_HEADER_SCAN]:
            if len(cells) > 1 and _norm(cells[0]) == _norm(label) and _YEAR.fullmatch(cells[1]):
                return int(cells[1])
    return None


def read_forms(
    paths: list[Path],
    raw: Path,
    spec_for: Callable[[int], FormSpec],
    expected_for: Callable[[int], Mapping[str, str | Collection[str]]] | None = None,
) -> list[FormRead]:
    """Read every form of a procedure's folder, in ``paths`` order.

    The year comes from the folder (``data/raw/<kind>/<year>/``), else from the form itself;
    the spec and the expected identity are built for it (``expected_for(year)``: e.g. the
    municipalities of that year); a form in a year's folder must state that year, and a
    quarterly form (its spec has the ``QUARTER`` identity) in a quarter's folder
    (``<year>/q2/``) that quarter. A form whose year cannot be told is one problem, nothing
    accepted.
    """
    reads = []
    for path in paths:
        display = display_name(path, raw)
        year = folder_year(path, raw)
        expected: dict[str, str | Collection[str]] = {}
        if year is None:
            year = stated_year(path)
        else:
            expected["year"] = str(year)
        if year is None:
            read = FormRead(display, _NO_SPEC)
            try:
                read_sheets(Path(path))
            except FileProblem as exc:  # unreadable: that is what the user is told
                read.reject_file(
                    Problem(display, None, None, exc.problem.rule, exc.problem.message)
                )
            else:
                read.reject_file(
                    Problem(
                        display,
                        None,
                        None,
                        "form_year",
                        "не удалось определить год формы: положите файл в папку года "
                        "(data/raw/<вид формы>/<год>/) или верните строку «Год» над таблицей",
                    )
                )
            reads.append(read)
            continue
        spec = spec_for(year)
        quarter = folder_quarter(path, raw)
        if quarter is not None and any(f.name == QUARTER.name for f in spec.identity):
            expected[QUARTER.name] = str(quarter)
        if expected_for is not None:
            expected = {**expected_for(year), **expected}
        reads.append(read_form(path, spec, display, expected))
    return reads


# --- contracts over the canonical rows ------------------------------------------------------


def _identical_copies(frame: pd.DataFrame, key: list[str]) -> dict[int, int]:
    """Rows whose key and content equal a row of an earlier file (by name): copy id →
    original id (ids: ``source_row``). A repeat inside one file is not a copy."""
    content = [c for c in frame.columns if c not in (*key, *_PLACE)]
    order = frame.sort_values(["source_file", "source_row"], kind="stable")
    sig = pd.util.hash_pandas_object(order[[*key, *content]], index=False).to_numpy()
    first = order["source_row"].groupby(sig).transform("first").to_numpy()
    first_file = frame.set_index("source_row").loc[first, "source_file"].to_numpy()
    copy = order[key].notna().all(axis=1).to_numpy() & (
        order["source_file"].to_numpy() != first_file
    )
    return dict(
        zip(order["source_row"].to_numpy()[copy].tolist(), first[copy].tolist(), strict=True)
    )


def _same_key(
    frame: pd.DataFrame, key: list[str], origin: list[tuple[FormRead, str, int]]
) -> pd.Series:
    """For rows sharing their key with others: where the others are («лист «1.1 …», строка 9
    файла mechanisms/2026/b.xlsx»), for the uniqueness rule's message."""
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    complete = frame[frame[key].notna().all(axis=1)]
    clash = complete[complete.duplicated(key, keep=False)]
    for _, group in clash.groupby(key, sort=False):
        ids = group["source_row"].tolist()
        where = {
            i: f"лист «{origin[i][0].spec.sheet(origin[i][1]).name}», строка {origin[i][2]} "
            f"файла {origin[i][0].file}"
            for i in ids
        }
        for i, idx in zip(ids, group.index, strict=True):
            out[idx] = "; ".join(w for j, w in where.items() if j != i)
    return out


def validate_forms(
    table: str,
    parts: list[tuple[FormRead, pd.DataFrame]],
    parameters: dict[str, Any] | None = None,
    directory: Path | None = None,
    key: Sequence[str] = (),
) -> list[pd.DataFrame]:
    """Check canonical rows built from forms against ``expectations/<table>.json`` in one
    great-expectations pass over every file (a fixed cost per pass, not per file).

    Each part's frame has ``sheet`` and ``row`` (where its row came from); the frame the
    contract sees also gets ``source_file`` and a ``source_row`` unique over all parts. A
    broken rule rejects the row in its form, with the sheet and Excel row named. Returns
    each part's rows to write (the same columns, ``sheet`` and ``row`` kept).

    With ``key`` (the contract's uniqueness rule) the forms are combined as every other kind
    of file is: a row equal in key and content to a row of an earlier file (a form sent
    twice) is checked as that row, accepted in its own file with a notice and written once;
    rows sharing a key with different content are all rejected by the contract, each told
    where the others are (column ``same_key``, which the suite then lists).
    """
    if not parts:
        return []
    frames = []
    origin: list[tuple[FormRead, str, int]] = []
    for read, frame in parts:
        n = len(origin)
        frames.append(
            frame.reset_index(drop=True).assign(
                source_file=read.file, source_row=range(n, n + len(frame))
            )
        )
        origin += [(read, s, int(r)) for s, r in zip(frame["sheet"], frame["row"], strict=True)]
    combined = pd.concat(frames, ignore_index=True)
    combined["source_row"] = combined["source_row"].astype("int64")
    copies: dict[int, int] = {}
    if key:
        copies = _identical_copies(combined, list(key))
        combined = combined[~combined["source_row"].isin(list(copies))].copy()
        combined[SAME_KEY] = _same_key(combined, list(key), origin)
    by_file = {read.file: read for read, _ in parts}
    bad: dict[int, list[Problem]] = {}
    for p in validate_frame(table, combined, None, parameters, directory):
        if p.row is None:
            by_file[p.file].reject_file(p)
            continue
        bad.setdefault(p.row, []).append(p)
    for i, problems in bad.items():
        read, code, row = origin[i]
        for p in problems:
            read.reject(code, row, _at(p, read, code, row))
    for copy, original in copies.items():
        read, code, row = origin[copy]
        if original in bad:  # the same values break the same rules
            for p in bad[original]:
                read.reject(code, row, _at(p, read, code, row))
        else:
            o_read, _, o_row = origin[original]
            read.duplicates.append(DuplicateNotice(row, o_read.file, o_row))
    skip = set(bad) | set(copies)
    out = []
    for (read, frame), staged in zip(parts, frames, strict=True):
        keep = ~staged["source_row"].isin(list(skip)).to_numpy()
        out.append(frame.reset_index(drop=True)[keep] if not read.whole_file else frame.iloc[0:0])
    return out


def _at(p: Problem, read: FormRead, code: str, row: int) -> Problem:
    """A contract's problem addressed to a form's sheet and Excel row."""
    where = f"лист «{read.spec.sheet(code).name}», строка {row}"
    return Problem(read.file, row, p.column, p.rule, f"{where}: {p.message}", p.value)
