"""What a reader is told about where a page comes from: the footer facts and manifest.json.

A page footer names the build date, the commit, the tables the page read (each with a short
hash of its file) and the versions of soko, Python and the main packages; ``manifest.json``
beside the year's pages says the same for the whole build, in full: every runtime package,
the lock file's digest, every raw input file's digest, and per page its template,
parameters, inputs and output. Both are deterministic — sorted, no durations, no absolute
paths — so two builds from the same inputs and code give the same bytes, and a reader
can check that a table on the share is the one a page was built from.

Hashes are :mod:`soko.pipeline.fingerprint`'s (BLAKE2b, 128 bits) — the same digests the
build cache keys on; a footer shows the first :data:`SHORT_DIGEST` hex characters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soko.file_report import find_files
from soko.pipeline.fingerprint import DigestCache, digest_file, lock_digest
from soko.provenance import Provenance

#: Hex characters of a file's digest shown in a footer (48 bits: enough to tell files apart
#: by eye; the manifest has the whole digest).
SHORT_DIGEST = 12
MANIFEST_NAME = "manifest.json"
#: Bump when the manifest's layout changes, so a reader of old manifests can tell.
MANIFEST_FORMAT = 1
DIGEST_ALGORITHM = "blake2b-128"


def short_digest(path: str | os.PathLike[str]) -> str:
    """The footer's hash of a file: the first characters of its content digest."""
    return digest_file(path)[:SHORT_DIGEST]


def footer_facts(prov: Provenance) -> dict[str, str]:
    """The build-wide lines of a footer, in Russian, as plain strings (render tasks take them
    as arguments: plain values pickle to any worker and key the cache by their text)."""
    return {
        "date": prov.date.ru(),
        "commit": f"коммит {prov.commit.ru()}" if prov.commit else "неизвестна (нет git)",
        "versions": ", ".join(
            f"{'Python' if name == 'python' else name} {version}"
            for name, version in prov.versions.items()
        ),
    }


def footer_tables(reads: Mapping[str, str | os.PathLike[str]]) -> list[tuple[str, str]]:
    """(table, short hash) of each table a page read, in the page's declared order; a file
    that is not there is shown as «нет файла» (the page then said so itself)."""
    return [
        (name, short_digest(path) if Path(path).is_file() else "нет файла")
        for name, path in reads.items()
    ]


# --- manifest.json ------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestPage:
    """One page of the year: what it was built from and what came out.

    ``inputs`` are the declared reads (name -> file); ``output`` the page's HTML, which may
    be missing (a page that was not built: ``status`` says why not in one word).
    """

    name: str
    template: str
    parameters: Mapping[str, Any]
    inputs: Mapping[str, Path]
    output: Path
    status: str = "built"
    template_file: Path | None = None


def raw_files(raw: Path) -> list[Path]:
    """Every input file under ``raw``, as ingest sees them (lock and hidden files are not)."""
    return find_files(raw, "", ("*",))


def _rel(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _digest(digests: DigestCache, path: Path) -> str | None:
    return digests.file(path) if Path(path).is_file() else None


def manifest(
    prov: Provenance,
    *,
    year: int,
    root: Path,
    raw: Path,
    processed: Path,
    pages: Iterable[ManifestPage],
    digests: DigestCache | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-able dict. Paths are relative (raw files to ``raw``, tables to
    ``processed``, templates by name, pages to the year folder), so the manifest of a build
    in another folder is the same."""
    digests = digests or DigestCache()
    page_entries = {}
    for page in pages:
        page_entries[page.name] = {
            "template": page.template,
            "template_digest": _digest(digests, page.template_file) if page.template_file else None,
            "parameters": dict(page.parameters),
            "inputs": {
                name: {"file": _rel(path, processed), "digest": _digest(digests, path)}
                for name, path in page.inputs.items()
            },
            "output": {"file": page.output.name, "digest": _digest(digests, page.output)},
            "status": page.status,
        }
    return {
        "format": MANIFEST_FORMAT,
        "digest_algorithm": DIGEST_ALGORITHM,
        "year": year,
        "build_date": prov.date.iso,
        "build_date_source": prov.date.source,
        "build_date_note": prov.date.note,
        "commit": ({"hash": prov.commit.hash, "dirty": prov.commit.dirty} if prov.commit else None),
        "versions": dict(prov.runtime),
        "lock_digest": lock_digest(root),
        "raw_inputs": {_rel(p, raw): _digest(digests, p) for p in raw_files(raw)},
        "pages": page_entries,
    }


def manifest_text(data: Mapping[str, Any]) -> str:
    """The manifest's bytes: sorted keys, two-space indent, Cyrillic as is, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
