"""A page template is a jupytext pair: ``notebooks/X.ipynb`` and its percent script ``X.py``.

The ``.ipynb`` is what JupyterLab opens; the ``.py`` is what a reviewer reads as a plain diff,
so the build runs the ``.py``'s cells (with the ``.ipynb``'s cell ids and notebook metadata,
as jupytext itself combines a pair). Two files that say different things are two versions of
the page: the build does not guess which one the author meant, it refuses the page and says
how to reconcile them (``jupytext --sync``, which takes the newer file as the source).

Whether a folder's notebooks are paired is jupytext's own configuration (``jupytext.toml``
beside them), the same file JupyterLab follows when it saves: a notebook in a folder without
pairing (a test's temporary notebook) is read alone, as before pairing existed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soko.paths import project_root

#: The paired text format of templates (``notebooks/jupytext.toml``).
PAIR_FORMAT = "py:percent"
PAIR_SUFFIX = ".py"


class TemplateOutOfSync(ValueError):
    """A template whose ``.ipynb`` and ``.py`` disagree, or whose pair is missing."""


def shown(path: Path) -> str:
    """``path`` as a user types it: relative to the project when inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(project_root(path.parent)))
    except (ValueError, OSError):
        return str(path)


def pair_of(template: Path) -> tuple[Path, Path]:
    """The ``(.ipynb, .py)`` pair of a template given as either file."""
    template = Path(template)
    return template.with_suffix(".ipynb"), template.with_suffix(PAIR_SUFFIX)


def is_paired(notebook: Path) -> bool:
    """Whether jupytext's configuration pairs ``notebook`` with a percent script (what
    JupyterLab's jupytext does when it saves the notebook)."""
    from jupytext.config import JupytextConfigurationError, load_jupytext_config

    notebook = Path(notebook).resolve()
    try:
        config = load_jupytext_config(str(notebook))
    except JupytextConfigurationError as exc:
        raise TemplateOutOfSync(
            f"настройка jupytext для {shown(notebook)} не читается: {exc}"
        ) from exc
    formats = config.default_formats(str(notebook)) if config is not None else None
    return PAIR_FORMAT in str(formats or "")


def _sync_hint(ipynb: Path) -> str:
    return f"выполните `jupytext --sync {shown(ipynb)}`"


def _cells(nb: Any) -> list[tuple[str, str, dict[str, Any]]]:
    # trailing blank lines are layout of the text file, not content of the cell
    return [(c.cell_type, c.source.rstrip(), dict(c.metadata)) for c in nb.cells]


def first_difference(script_nb: Any, ipynb_nb: Any) -> str | None:
    """Where two notebooks' cells differ, in Russian, or ``None`` if they agree.

    The ``.ipynb`` goes through the percent format first, so only what the pair can carry
    (cell kinds, sources, tags) is compared; outputs and notebook metadata live in the
    ``.ipynb`` alone.
    """
    import jupytext

    through_text = jupytext.reads(jupytext.writes(ipynb_nb, fmt=PAIR_FORMAT), fmt=PAIR_FORMAT)
    a, b = _cells(script_nb), _cells(through_text)
    for i, (left, right) in enumerate(zip(a, b, strict=False), start=1):
        if left == right:
            continue
        if left[0] != right[0]:
            return f"ячейка {i}: в .py — {left[0]}, в .ipynb — {right[0]}"
        if left[1] != right[1]:
            la, lb = left[1].splitlines(), right[1].splitlines()
            n = next(
                (j for j, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y),
                min(len(la), len(lb)),
            )
            in_py = la[n] if n < len(la) else "(конец ячейки)"
            in_nb = lb[n] if n < len(lb) else "(конец ячейки)"
            return f"ячейка {i}, строка {n + 1}: в .py «{in_py}», в .ipynb «{in_nb}»"
        return f"ячейка {i}: разные метки (в .py {left[2]}, в .ipynb {right[2]})"
    if len(a) != len(b):
        return f"в .py ячеек {len(a)}, в .ipynb — {len(b)}"
    return None


def read_template(template: Path) -> Any:
    """The notebook to execute for ``template`` (either file of a pair), checked.

    Raises :class:`TemplateOutOfSync` (a Russian message naming both files and the command
    that reconciles them) when the pair disagrees or one of a paired folder's files is
    missing. Without a mate and without pairing configured, the ``.ipynb`` is read alone.
    """
    import jupytext
    import nbformat
    from jupytext.combine import combine_inputs_with_outputs

    ipynb, script = pair_of(Path(template).resolve())
    if not script.is_file():
        if ipynb.is_file() and not is_paired(ipynb):
            return nbformat.read(ipynb, as_version=4)
        missing, present = script, ipynb
    elif not ipynb.is_file():
        missing, present = ipynb, script
    else:
        script_nb = jupytext.read(script, fmt=PAIR_FORMAT)
        ipynb_nb = nbformat.read(ipynb, as_version=4)
        where = first_difference(script_nb, ipynb_nb)
        if where is not None:
            raise TemplateOutOfSync(
                f"шаблон {shown(ipynb)} и его пара {shown(script)} расходятся ({where}): "
                f"{_sync_hint(ipynb)} (источником станет файл, изменённый позже) и проверьте "
                "разницу в git diff"
            )
        return combine_inputs_with_outputs(script_nb, ipynb_nb, fmt=PAIR_FORMAT)
    if not present.is_file():
        raise TemplateOutOfSync(f"нет шаблона {shown(ipynb)} (и его пары {shown(script)})")
    raise TemplateOutOfSync(
        f"у шаблона {shown(present)} нет пары {shown(missing)}: "
        f"выполните `jupytext --sync {shown(present)}`"
    )


#: How papermill is handed a template: ``soko-pair://<path of the .ipynb>``. papermill records
#: its input in the executed notebook's metadata; given the checked notebook object itself it
#: would record a copy of every cell there, given this address it records the template's path.
PAIR_SCHEME = "soko-pair://"
_registered = False


class _PairHandler:
    """papermill I/O handler that reads a template through :func:`read_template`."""

    def read(self, path: str) -> str:
        import nbformat

        return nbformat.writes(read_template(Path(path.removeprefix(PAIR_SCHEME))))

    def write(self, buf: str, path: str) -> None:
        raise TemplateOutOfSync(f"шаблон {path} только читается")

    def listdir(self, path: str) -> list[str]:
        raise TemplateOutOfSync(f"шаблон {path} — не папка")

    def pretty_path(self, path: str) -> str:
        return path


def papermill_input(template: Path) -> str:
    """The address under which papermill reads ``template`` checked as a pair."""
    global _registered
    if not _registered:
        from papermill.iorw import papermill_io

        papermill_io.register(PAIR_SCHEME, _PairHandler())
        _registered = True
    return PAIR_SCHEME + str(Path(template).resolve())
