"""The `soko` command: demo data, ingest, validate, build. Messages for users are in Russian.

Each command imports what it needs when it runs (the one place soko imports lazily, see
docs/architecture.md): `soko --help` and a `soko ingest` or `soko check-config` with nothing
changed since their last run answer without importing pandas, great-expectations or the
procedures (about 2–3 s of a process start otherwise).
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from pathlib import Path

import soko.procedures as procedures_pkg
from soko.paths import config_dir, processed_dir, project_root, raw_dir
from soko.pipeline.ingest_state import (
    BASE_FILE,
    NO_CHANGES,
    forget_run,
    passed_config_check,
    previous_run,
    record_run,
    remember_config_check,
)

# the demo's sizes (soko.demo.model.SIZES), listed here so that parsing the command line
# does not import numpy; a test checks that the two agree
DEMO_SIZES = ("small", "demo", "region", "large")

# Commands that run on the configuration: nothing starts while it has a mistake.
# `soko ingest` checks the configuration itself, after its no-op check (an unchanged run
# passed the check last time: configuration and code are part of what it compares)
CHECKED_COMMANDS = frozenset({"demo", "build", "forms"})


def _cmd_demo(args: argparse.Namespace) -> int:
    from soko.pipeline.demo import generate_demo

    out = Path(args.out)
    truth = Path(args.truth) if args.truth else None
    summary = generate_demo(out=out, seed=args.seed, size=args.size, truth_out=truth)
    print(
        f"Демо-регион записан в {out}: муниципалитетов {summary.n_municipalities}, "
        f"школ {summary.n_schools}, файлов {len(summary.files)}. "
        f"Истинные параметры модели: {summary.truth_dir} (конвейер их не читает)."
    )
    return 0


def _replay_ingest(args: argparse.Namespace) -> int | None:
    """The last run's report, when nothing it depended on changed (``None`` otherwise):
    checked before anything heavy is imported. An unchanged run passed the configuration
    check last time (configuration and code are part of what is compared)."""
    if args.force:
        return None
    raw, processed = Path(args.raw), Path(args.processed)
    base = processed / BASE_FILE
    previous = previous_run(raw, processed, project_root(), [base])
    if previous is None:
        return None
    print(previous.summary)
    print(NO_CHANGES)
    print(f"Канонические таблицы: {processed}")
    print(f"Аналитическая база (SQL, DuckDB): {base}")
    return 0 if previous.ok else 1


def _cmd_ingest(args: argparse.Namespace) -> int:
    from soko.cli_support import config_gate, missing_raw_message, say
    from soko.pipeline.analytic_base import refresh_analytic_base
    from soko.pipeline.ingest import REPORT_FILE, ingest

    raw, processed = Path(args.raw), Path(args.processed)
    nothing = missing_raw_message(raw)
    if nothing:
        say(nothing)
        return 2
    gate = config_gate()
    if gate:
        return gate
    forget_run(processed)
    report = ingest(raw, processed, force=args.force)
    summary = report.summary_ru()
    print(summary)
    if report.reused:
        print(
            "Без изменений, взяты из прошлого запуска (файлы не перечитывались): "
            + ", ".join(report.reused)
            + "."
        )
    print(f"Канонические таблицы: {processed}")
    base, rebuilt = refresh_analytic_base(processed, force=args.force)
    note = "" if rebuilt else " (таблицы не изменились, база не пересобиралась)"
    print(f"Аналитическая база (SQL, DuckDB): {base}{note}")
    outputs = [f"{name}.parquet" for name in report.tables] + [REPORT_FILE, base.name]
    record_run(raw, processed, project_root(), outputs, summary, report.ok)
    return 0 if report.ok else 1


def _cmd_validate(args: argparse.Namespace) -> int:
    from soko.pipeline.ingest import validate_file

    path = Path(args.path)
    if not path.is_file():
        print(f"Файл не найден: {path}", file=sys.stderr)
        return 2
    rep = validate_file(path, args.kind, Path(args.raw), Path(args.processed))
    print(
        f"Файл {rep.file} (вид: {rep.kind}): прочитано строк {rep.rows_read}, "
        f"принято {rep.rows_accepted}, отклонено {rep.rows_rejected}."
    )
    for p in rep.problems:
        print(f"  - {p.text()}")
    print("Ошибок нет." if rep.ok else f"Замечаний: {len(rep.problems)}.")
    return 0 if rep.ok else 1


def _cmd_build(args: argparse.Namespace) -> int:
    from soko.build import build

    return build(
        year=args.year, jobs=args.jobs, only=args.only, force=args.force, scheduler=args.scheduler
    )


def _cmd_forms(args: argparse.Namespace) -> int:
    from soko.pipeline.forms import (
        UnknownMunicipality,
        blank_forms,
        form_municipalities,
        quarterly_templates,
    )
    from soko.pipeline.ingest import known_schools

    out = Path(args.out) if args.out else project_root() / "data" / "forms" / str(args.year)
    schools = known_schools(Path(args.raw), Path(args.processed))
    try:
        written = blank_forms(args.year, out, args.municipality, schools, quarter=args.quarter)
    except UnknownMunicipality as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.quarter is None:
        for t in quarterly_templates():
            print(
                f"Бланк «{t.title}» заполняется ежеквартально и не записан: укажите квартал, "
                f"например `soko forms --year {args.year} --quarter 1`."
            )
    if not written:
        print("Ни одна процедура не выдаёт форм для заполнения.")
        return 0
    by_template: dict[str, list] = {}
    for w in written:
        by_template.setdefault(w.template.code, []).append(w)
    print(f"Бланки форм на {args.year} год записаны в {out} (файлов: {len(written)}):")
    _, without = form_municipalities(args.year, schools)
    if without and args.municipality is None:
        print(
            f"  муниципалитетам без школ в реестре на {args.year} год бланки не записаны "
            f"({len(without)}: {', '.join(without)}); одному из них — `--municipality КОД`"
        )
    for forms in by_template.values():
        t = forms[0].template
        print(f"  «{t.title}»: {len(forms)} шт. ({forms[0].path.name}", end="")
        print(f" … {forms[-1].path.name})" if len(forms) > 1 else ")")
        print(f"    заполненные копии положите в {forms[0].raw_place} и выполните `soko ingest`")
    return 0


def _quarter(text: str) -> int:
    """``--quarter``: 1–4, said in Russian when it is not."""
    if text.strip() not in {"1", "2", "3", "4"}:
        raise argparse.ArgumentTypeError(f"квартал — число от 1 до 4, а не «{text}»")
    return int(text)


def _cmd_check_config(args: argparse.Namespace) -> int:
    from soko.cli_support import check_config_command

    folder = Path(args.config) if args.config else None
    code = check_config_command(folder, remember=_remember_check)
    return code


def _remember_check(folder: Path, message: str) -> None:
    remember_config_check(processed_dir(), project_root(), folder, message)


def _replay_check_config(args: argparse.Namespace) -> int | None:
    """The last passing check's message when neither the configuration nor the code
    changed since (a failing check is never remembered: its errors are always shown)."""
    folder = Path(args.config) if args.config else config_dir()
    message = passed_config_check(processed_dir(), project_root(), folder)
    if message is None:
        return None
    print(message)
    return 0


REPLAYS = {"ingest": _replay_ingest, "check-config": _replay_check_config}


def _procedure_codes() -> list[str]:
    """The procedures' codes: their package names (soko/procedures/<code>/), read without
    importing them (the registry imports every procedure)."""
    found = pkgutil.iter_modules(procedures_pkg.__path__)
    return sorted((m.name for m in found if not m.name.startswith("_")), key=lambda c: c != "vpr")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soko", description="РСОКО: данные, проверки, сборник.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="сгенерировать демонстрационный регион")
    d.add_argument("--out", default=str(raw_dir()), help="папка для сырых файлов (data/raw)")
    d.add_argument("--seed", type=int, default=20260415)
    d.add_argument("--size", choices=list(DEMO_SIZES), default="demo")
    d.add_argument("--truth", default=None, help="куда записать истинные параметры (data/truth)")
    d.set_defaults(func=_cmd_demo)

    i = sub.add_parser("ingest", help="проверить сырые файлы и записать канонические таблицы")
    i.add_argument("--raw", default=str(raw_dir()))
    i.add_argument("--processed", default=str(processed_dir()))
    i.add_argument(
        "--force",
        action="store_true",
        help="перечитать все файлы, не используя сохранённые результаты прошлых запусков",
    )
    i.set_defaults(func=_cmd_ingest)

    v = sub.add_parser("validate", help="проверить один файл по контракту")
    v.add_argument("path")
    v.add_argument(
        "--kind",
        default=None,
        help="registry | context | код процедуры ("
        + ", ".join(_procedure_codes())
        + "); по умолчанию — по папке и содержимому файла",
    )
    v.add_argument("--raw", default=str(raw_dir()))
    v.add_argument("--processed", default=str(processed_dir()))
    v.set_defaults(func=_cmd_validate)

    b = sub.add_parser("build", help="производные таблицы, тетрадки, HTML-сборник")
    b.add_argument("--year", type=int, default=None, help="год сборника (по умолчанию последний)")
    b.add_argument("--jobs", type=int, default=2, help="параллельных процессов")
    b.add_argument("--only", default=None, help="строить только страницы, чьё имя содержит строку")
    b.add_argument(
        "--force",
        action="store_true",
        help="выполнить все задачи заново, не используя кэш (результаты всё равно запоминаются)",
    )
    b.add_argument(
        "--scheduler",
        default=None,
        help="выполнить задачи на кластере Dask: tcp://HOST:PORT (запущенный планировщик) или "
        "local / local:N (кластер из N процессов на этой машине); см. docs/scaling.md",
    )
    b.set_defaults(func=_cmd_build)

    f = sub.add_parser("forms", help="записать бланки форм для заполнения (xlsx) на год")
    f.add_argument("--year", type=int, required=True, help="год, на который заполняются формы")
    f.add_argument("--out", default=None, help="папка для бланков (по умолчанию data/forms/<год>)")
    f.add_argument(
        "--municipality", default=None, help="код муниципалитета: бланки только для него"
    )
    f.add_argument(
        "--quarter",
        type=_quarter,
        default=None,
        help="квартал (1–4) для ежеквартальных форм (кадровое обеспечение); без него они "
        "не записываются",
    )
    f.add_argument("--raw", default=str(raw_dir()), help=argparse.SUPPRESS)
    f.add_argument("--processed", default=str(processed_dir()), help=argparse.SUPPRESS)
    f.set_defaults(func=_cmd_forms)

    c = sub.add_parser("check-config", help="проверить файлы конфигурации (config/)")
    c.add_argument("--config", default=None, help="папка конфигурации (по умолчанию config/)")
    c.set_defaults(func=_cmd_check_config)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project_root()  # fail early and clearly when run outside a checkout
    replay = REPLAYS.get(args.command)
    if replay is not None:
        try:
            answer = replay(args)
        except OSError:  # an unreadable record: the command does the work instead
            answer = None
        if answer is not None:
            return answer
    from soko.cli_support import config_gate, guarded

    def run() -> int:
        if args.command in CHECKED_COMMANDS:
            gate = config_gate()
            if gate:
                return gate
        return int(args.func(args) or 0)

    processed = getattr(args, "processed", None)
    return guarded(args.command, run, Path(processed) if processed else None)


if __name__ == "__main__":
    sys.exit(main())
