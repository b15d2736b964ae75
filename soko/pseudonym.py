"""Salted pseudonymous participant ids, so personal data never reaches ``data/processed/``.

ГИА protocols name every participant (surname, name, patronymic, document number). The
analytic base needs to know that two rows are the same person (ОГЭ in grade 9 → ЕГЭ two
years later, duplicates within a year) but never who that person is. The id is
HMAC-SHA256 over the normalised personal fields, keyed with a local secret salt: without the
salt the id cannot be recomputed from a name, and the same person gets the same id in every
file and year as long as the salt is kept.

The salt lives in ``.secrets/pseudonym_salt`` under the project root (git-ignored), or in the
file named by ``SOKO_PSEUDONYM_SALT_FILE``; it is created on first use. Losing it breaks the
link to earlier years' ids; it is never printed or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from soko.paths import project_root

SALT_ENV = "SOKO_PSEUDONYM_SALT_FILE"
ID_LENGTH = 20  # hex characters kept (80 bits): collisions are negligible for a region

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9a-zа-я]")


def salt_path() -> Path:
    env = os.environ.get(SALT_ENV)
    return Path(env) if env else project_root() / ".secrets" / "pseudonym_salt"


def load_salt(path: Path | None = None) -> bytes:
    """The local salt; created (``secrets.token_hex(32)``, mode 0600) when missing."""
    path = path or salt_path()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    salt = path.read_text(encoding="ascii").strip()
    if len(salt) < 32:
        raise RuntimeError(f"файл соли псевдонимизации {path} пуст или повреждён")
    return salt.encode("ascii")


def normalise_name(value: object) -> str:
    """Case, «ё», and spacing do not make another person: «Пётр  » == «петр»."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip().casefold().replace("ё", "е")
    return _SPACES.sub(" ", text)


def normalise_document(value: object) -> str:
    """Series and number without spaces or dashes: «0000 123456» == «0000-123456»."""
    return _NOT_ALNUM.sub("", normalise_name(value))


def pseudonym(
    surname: object, name: object, patronymic: object, document: object, salt: bytes
) -> str:
    key = "|".join(
        [
            normalise_name(surname),
            normalise_name(name),
            normalise_name(patronymic),
            normalise_document(document),
        ]
    )
    return hmac.new(salt, key.encode("utf-8"), hashlib.sha256).hexdigest()[:ID_LENGTH]


def pseudonyms(
    surnames: Iterable[object],
    names: Iterable[object],
    patronymics: Iterable[object],
    documents: Iterable[object],
    salt: bytes | None = None,
) -> list[str]:
    """Ids for parallel columns of personal fields (one salt read for all of them)."""
    key = load_salt() if salt is None else salt
    return [
        pseudonym(s, n, p, d, key)
        for s, n, p, d in zip(surnames, names, patronymics, documents, strict=True)
    ]
