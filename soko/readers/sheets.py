"""Any table file a region receives, as sheets of text cells: the one reading layer.

Regions get the same table as ``.xlsx``, ``.xlsm``, ``.xls`` (Excel 97–2003), ``.ods``
(LibreOffice) or delimited text (``.csv``/``.txt``, cp1251 or UTF-8, ``;``/``,``/tab), and
whatever arrives must be read the same way by every procedure, so every reader starts here.
Workbooks go through python-calamine (one fast reader for all four); text is decoded and
split with the delimiter detected from the file itself. Cells stay text (decimal commas
kept): typing is the contract's job.

The file's first bytes say what it really is, whatever its extension: an empty file, a
workbook cut short in downloading, a text file renamed ``.xlsx``, a password-protected
workbook (an OLE container holding ``EncryptedPackage``), a damaged ``.xls`` or a PDF each
get one plain Russian message saying what the file is and what to do, never a library's
English error text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from python_calamine import CalamineWorkbook

from soko.readers.problems import FileProblem

WORKBOOK_EXTENSIONS: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_EXTENSIONS: tuple[str, ...] = (".csv", ".txt")
# Every table file soko reads, for every kind of raw file (one constant, not one per reader).
TABLE_EXTENSIONS: tuple[str, ...] = WORKBOOK_EXTENSIONS + TEXT_EXTENSIONS
TABLE_PATTERNS: tuple[str, ...] = tuple(f"*{ext}" for ext in TABLE_EXTENSIONS)

ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = (";", "\t", ",")
_SNIFF_LINES = 50  # lines the delimiter is judged on

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_RESAVE = "откройте его в Excel или LibreOffice и сохраните как .xlsx"
_DOWNLOAD = "скачайте его заново (из ФИС ОКО, у РЦОИ или у того, кто его прислал)"
_REDOWNLOAD = _DOWNLOAD + " и положите вместо этого"


@dataclass
class Sheet:
    """One sheet as text. ``rows[i]`` is row ``i + 1`` as the user sees it (in Excel or in a
    text editor; blank rows kept, so numbering never shifts). ``merged``: merged ranges as
    ``((r0, c0), (r1, c1))``, 0-based (xlsx only)."""

    name: str
    rows: list[list[str]]
    text: bool = False  # read from delimited text
    encoding: str | None = None
    delimiter: str | None = None
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def cell_name(self, col: int) -> str:
        """How a message names a column: «лист «Результаты», столбец K» (text: «столбец 11»)."""
        if self.text:
            return f"столбец {col + 1}"
        return f"лист «{self.name}», столбец {column_letter(col)}"


def column_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 25 → Z, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """A calamine value as the text a user sees: 12.0 → «12», 12.5 → «12,5», dates as
    dd.mm.yyyy (so a workbook and its text export give the same cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


# --- what the bytes are ---------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """What a file is by its first bytes: ``empty``, ``zip``, ``ole``, ``pdf``, ``html``,
    ``utf16``, ``text`` or ``binary``."""
    if not data.strip():
        return "empty"
    if data.startswith(_ZIP):
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        return "utf16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") or _utf16ish(data) else "binary"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    return "text"


def _utf16ish(data: bytes) -> bool:
    """Text in UTF-16 without a BOM: every other byte of the first ones is zero."""
    head = data[:512]
    return len(head) >= 4 and head[1::2].count(0) > 0.8 * len(head[1::2])


def _zip_problem(path: Path, data: bytes) -> FileProblem | None:
    """None for a whole xlsx/ods archive; else why it cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # a damaged directory may claim gigabytes, which calamine would try to allocate
            broken = next((i.filename for i in archive.infolist() if i.file_size > _MAX_PART), None)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return FileProblem(
            path,
            "file_complete",
            "файл повреждён или скачан не полностью (книга Excel обрывается на середине): "
            + _REDOWNLOAD,
        )
    if broken is not None:
        return FileProblem(
            path,
            "file_complete",
            "файл повреждён (часть книги заявлена размером больше гигабайта): " + _REDOWNLOAD,
        )
    if "xl/workbook.xml" in names or "content.xml" in names:
        return None
    what = "документ Word" if "word/document.xml" in names else "ZIP-архив, а не книга Excel"
    if "ppt/presentation.xml" in names:
        what = "презентация PowerPoint"
    return FileProblem(
        path,
        "file_is_table",
        f"это {what}: soko читает только таблицы (.xlsx, .xls, .ods, .csv); "
        "если в архиве таблицы, распакуйте их в ту же папку, а архив уберите",
    )


def _not_a_table(path: Path, what: str) -> FileProblem:
    return FileProblem(
        path,
        "file_is_table",
        f"это {what}, а не таблица: soko читает .xlsx, .xlsm, .xls, .ods, .csv и .txt; "
        "уберите файл из data/raw/ или положите вместо него выгрузку в одном из этих форматов",
    )


_INTERRUPTS = (KeyboardInterrupt, SystemExit)
_MAX_PART = 1 << 30  # no part of a real workbook unpacks to a gigabyte
_FREE_OR_END = 0xFFFFFFFA  # sector ids from here up are markers (end of chain, free, ...)


def _cfb_sound(data: bytes) -> bool:
    """Whether an OLE container's sector tables are whole: every chain ends, no sector id
    points past the file, no stream claims more bytes than the file has.

    Checked before calamine sees the bytes because a damaged table (zeroed sectors make a
    chain that loops on itself) makes it allocate without end and abort the whole process,
    which no ``except`` can catch: one bad .xls would stop the ingest of every file.
    """
    if len(data) < 512:
        return False
    shift = int.from_bytes(data[30:32], "little")
    if shift not in (9, 12):
        return False
    size = 1 << shift
    n = (len(data) - 512 + size - 1) // size  # sectors in the file
    sector = lambda k: data[512 + k * size : 512 + (k + 1) * size]  # noqa: E731

    def ids(chunk: bytes) -> list[int]:
        return [int.from_bytes(chunk[i : i + 4], "little") for i in range(0, len(chunk), 4)]

    n_fat = int.from_bytes(data[44:48], "little")
    fat_sectors = [k for k in ids(data[76:512]) if k < _FREE_OR_END][:n_fat]
    if len(fat_sectors) < min(n_fat, 109) or any(k >= n for k in fat_sectors):
        return False
    fat = [v for k in fat_sectors for v in ids(sector(k))]
    if any(n <= v < _FREE_OR_END for v in fat[:n]):
        return False
    state = [0] * len(fat)  # 0 unseen, 1 on the current path, 2 known to end
    for start in range(min(n, len(fat))):
        path, k = [], start
        while k < min(n, len(fat)) and state[k] == 0:
            state[k] = 1
            path.append(k)
            k = fat[k]
        if k < min(n, len(fat)) and state[k] == 1:
            return False  # a chain that loops
        for j in path:
            state[j] = 2

    def chain(k: int) -> list[int]:
        out = []
        while k < _FREE_OR_END:
            if k >= min(n, len(fat)) or len(out) > n:
                return []
            out.append(k)
            k = fat[k]
        return out

    directory = b"".join(sector(k) for k in chain(int.from_bytes(data[48:52], "little")))
    if not directory:
        return False
    for i in range(0, len(directory) - 127, 128):
        entry = directory[i : i + 128]
        if entry[66] in (1, 2, 5):  # storage, stream, root
            length = int.from_bytes(entry[120:124], "little")
            if length > len(data) and entry[66] == 2:
                return False
    return True


def _workbook(path: Path, data: bytes, kind: str) -> CalamineWorkbook:
    """Open the bytes with calamine, or say in Russian why they cannot be opened."""
    if kind == "zip":
        problem = _zip_problem(path, data)
        if problem is not None:
            raise problem
    if kind == "ole" and _ENCRYPTED in data:
        raise FileProblem(
            path,
            "file_not_encrypted",
            "книга защищена паролем, и прочитать её нельзя: откройте её в Excel, снимите "
            "пароль (Файл → Сведения → Защитить книгу) и сохраните как .xlsx без пароля",
        )
    try:
        if kind == "ole" and not _cfb_sound(data):
            raise ValueError("damaged OLE sector tables")
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except _INTERRUPTS:
        raise
    except BaseException as exc:  # calamine's errors are English and technical (and a panic
        # in its Rust code is a BaseException): say it plainly
        if kind == "ole":
            message = (
                f"файл Excel 97–2003 (.xls) повреждён и не читается: {_RESAVE}, если он "
                f"открывается, иначе {_DOWNLOAD}"
            )
        else:
            message = "книга повреждена и не читается: " + _REDOWNLOAD
        raise FileProblem(path, "file_readable", message) from exc


def _workbook_sheets(path: Path, book: CalamineWorkbook) -> list[Sheet]:
    sheets = []
    for name in book.sheet_names:
        try:
            sheet = book.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
        except _INTERRUPTS:
            raise
        except BaseException as exc:  # see _workbook
            raise FileProblem(
                path,
                "file_readable",
                f"лист «{name}» не читается (книга повреждена): " + _REDOWNLOAD,
            ) from exc
        rows = [[cell_text(v) for v in row] for row in values]
        sheets.append(Sheet(name=name, rows=rows, merged=merged))
    if not any(any(c for c in row) for s in sheets for row in s.rows):
        raise FileProblem(
            path, "file_not_empty", "в книге нет ни одной заполненной ячейки (файл пустой)"
        )
    return sheets


# --- delimited text -------------------------------------------------------------------------


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """The text and its encoding (UTF-8 with or without BOM, else cp1251)."""
    if not data.strip():
        raise FileProblem(path, "file_not_empty", "файл пустой")
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        path, "encoding", "не удалось определить кодировку (ожидается cp1251 или UTF-8)"
    )


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (≥ 2) of cells.

    Judged on many lines, not the header alone: a title with a comma («Анкетирование, 2026»)
    or decimal commas in a `;` file split unevenly by «,», the real delimiter evenly.
    """
    sample = [line for line in lines if line.strip()][:_SNIFF_LINES]
    best, best_score = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        widths = [len(cells) for cells in csv.reader(sample, delimiter=delimiter)]
        counts: dict[int, int] = {}
        for w in widths:
            if w >= 2:
                counts[w] = counts.get(w, 0) + 1
        score = max(counts.values(), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def text_sheet(path: Path, data: bytes) -> Sheet:
    """A delimited text file as one sheet (row i = line i + 1; a quoted cell spanning lines
    leaves blank rows after it, so later rows keep their line numbers)."""
    if sniff(data) == "utf16":
        raise FileProblem(
            path, "encoding", "файл в кодировке UTF-16: сохраните его в cp1251 или UTF-8"
        )
    text, encoding = decode_text(path, data)
    lines = text.splitlines()
    delimiter = detect_delimiter(lines)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    for cells in reader:
        rows.append([c.strip() for c in cells])
        while len(rows) < reader.line_num:
            rows.append([])
    return Sheet(name=path.name, rows=rows, text=True, encoding=encoding, delimiter=delimiter)


# --- one entry point ------------------------------------------------------------------------


class SheetStore(Protocol):
    """Sheets of files already read, by a key of their bytes and name: ``<content digest>.
    <name digest>`` (the ingest's cache, ``soko.pipeline.ingest_cache``, is one)."""

    def get(self, key: str) -> list[Sheet] | None: ...

    def put(self, key: str, sheets: list[Sheet]) -> None: ...


_stores: list[SheetStore] = []


@contextmanager
def reading_through(store: SheetStore) -> Iterator[None]:
    """Within the block, :func:`read_sheets` answers a file it has read before (the same
    bytes under the same name) from ``store``. Why: reading a workbook is most of what an
    ingest costs, and when one file of a procedure changes the others are read again only
    because the procedure's files are checked together."""
    _stores.append(store)
    try:
        yield
    finally:
        _stores.remove(store)


def read_sheets(path: Path) -> list[Sheet]:
    """Every sheet of a table file (a text file is one sheet), as text cells.

    Raises :class:`FileProblem` with one plain Russian message when the file is empty,
    damaged, cut short, protected by a password, not a table at all, or a text file under a
    workbook's extension.
    """
    path = Path(path)
    data = path.read_bytes()
    if not _stores:
        return _parse(path, data)
    # the content's digest as soko.pipeline.fingerprint takes it, then the name's
    content = hashlib.blake2b(data, digest_size=16).hexdigest()
    key = f"{content}.{hashlib.blake2b(path.name.encode('utf-8'), digest_size=8).hexdigest()}"
    store = _stores[-1]
    known = store.get(key)
    if known is not None:
        return known
    sheets = _parse(path, data)
    store.put(key, sheets)
    return sheets


def _parse(path: Path, data: bytes) -> list[Sheet]:
    kind = sniff(data)
    ext = path.suffix.lower()
    if kind == "empty":
        raise FileProblem(path, "file_not_empty", "файл пустой (0 байт): " + _DOWNLOAD)
    if kind in ("zip", "ole"):
        return _workbook_sheets(path, _workbook(path, data, kind))
    if kind == "pdf":
        raise _not_a_table(path, "документ PDF")
    if kind == "binary":
        raise _not_a_table(path, "двоичный файл неизвестного вида")
    if ext in WORKBOOK_EXTENSIONS:
        if kind == "html":
            raise FileProblem(
                path,
                "file_is_table",
                f"файл с расширением {ext} на самом деле веб-страница (HTML), а не книга Excel: "
                + _RESAVE,
            )
        raise FileProblem(
            path,
            "file_is_table",
            f"файл с расширением {ext} на самом деле текстовый, а не книга Excel: "
            f"{_RESAVE}, или, если это таблица с разделителями, дайте ему расширение .csv",
        )
    if kind == "html":
        raise FileProblem(
            path, "file_is_table", "файл — веб-страница (HTML), а не таблица: " + _RESAVE
        )
    return [text_sheet(path, data)]


# --- a file of another kind -----------------------------------------------------------------

# Words that tell which kind of raw file a table is, and where files of that kind belong.
_OTHER_KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "registry",
        ("Наименование ОО", "Вид ОО"),
        "реестр образовательных организаций (его место — data/raw/registry/)",
    ),
    ("context", ("ИСБШ",), "файл контекстных данных школ (его место — data/raw/context/)"),
    (
        "statistics",
        ("статистика по заданиям", "статистика выполнения заданий"),
        "сводная статистика ФИС ОКО по заданиям, а не «Индивидуальные результаты» участников "
        "(по строке на участника): выгрузите из ФИС ОКО индивидуальные результаты",
    ),
    (
        "pisa",
        ("W_FSTUWT",),
        "файл исследования по модели PISA (его место — data/raw/pisa/<год>/)",
    ),
    ("survey", ("Код анкеты",), "файл анкетирования (его место — data/raw/surveys/<год>/)"),
    (
        "gia",
        ("Код ППЭ", "Тестовый балл"),
        "протокол РЦОИ (ОГЭ, ЕГЭ или ГВЭ; его место — data/raw/gia/<вид экзамена>/)",
    ),
    (
        "workbook",
        ("Код участника",),
        "выгрузка ФИС ОКО «Индивидуальные результаты» (ВПР, НИКО, РПР; её место — "
        "data/raw/<процедура>/<год>/)",
    ),
)


def other_kind(sheets: list[Sheet], expected: str = "") -> str | None:
    """What a table that is not of the ``expected`` kind looks like, and where it belongs;
    None when it looks like nothing soko knows. Kinds: ``registry``, ``context``,
    ``statistics``, ``pisa``, ``survey``, ``gia``, ``workbook``."""
    text = " ".join(c for s in sheets for row in s.rows[:40] for c in row if c).casefold()
    for key, words, what in _OTHER_KINDS:
        if key != expected and any(w.casefold() in text for w in words):
            return what
    return None
