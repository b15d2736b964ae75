"""The `soko` command: demo data, ingest, validate, build. Messages for users are in Russian."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from soko.build import build
from soko.cli_support import (
    check_config_command,
    config_gate,
    guarded,
    missing_raw_message,
    say,
)
from soko.demo import SIZES
from soko.paths import processed_dir, project_root, raw_dir
from soko.pipeline.analytic_base import build_analytic_base
from soko.pipeline.demo import generate_demo
from soko.pipeline.forms import (
    UnknownMunicipality,
    blank_forms,
    form_municipalities,
    quarterly_templates,
)
from soko.pipeline.ingest import ingest, known_schools, validate_file
from soko.registry import discover

# Commands that run on the configuration: nothing starts while it has a mistake.
CHECKED_COMMANDS = frozenset({"demo", "ingest", "build", "forms"})


def _cmd_demo(args: argparse.Namespace) -> int:

    out = Path(args.out)
    truth = Path(args.truth) if args.truth else None
    summary = generate_demo(out=out, seed=args.seed, size=args.size, truth_out=truth)
    print(
        f"Демо-регион записан в {out}: муниципалитетов {summary.n_municipalities}, "
        f"школ {summary.n_schools}, файлов {len(summary.files)}. "
        f"Истинные параметры модели: {summary.truth_dir} (конвейер их не читает)."
    )
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:

    raw, processed = Path(args.raw), Path(args.processed)
    nothing = missing_raw_message(raw)
    if nothing:
        say(nothing)
        return 2
    report = ingest(raw, processed)
    print(report.summary_ru())
    print(f"Канонические таблицы: {processed}")

    print(f"Аналитическая база (SQL, DuckDB): {build_analytic_base(processed)}")
    return 0 if report.ok else 1


def _cmd_validate(args: argparse.Namespace) -> int:

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

    return build(year=args.year, jobs=args.jobs, only=args.only, scheduler=args.scheduler)


def _cmd_forms(args: argparse.Namespace) -> int:
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
    return check_config_command(Path(args.config) if args.config else None)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soko", description="РСОКО: данные, проверки, сборник.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="сгенерировать демонстрационный регион")
    d.add_argument("--out", default=str(raw_dir()), help="папка для сырых файлов (data/raw)")
    d.add_argument("--seed", type=int, default=20260415)
    d.add_argument("--size", choices=list(SIZES), default="demo")
    d.add_argument("--truth", default=None, help="куда записать истинные параметры (data/truth)")
    d.set_defaults(func=_cmd_demo)

    i = sub.add_parser("ingest", help="проверить сырые файлы и записать канонические таблицы")
    i.add_argument("--raw", default=str(raw_dir()))
    i.add_argument("--processed", default=str(processed_dir()))
    i.set_defaults(func=_cmd_ingest)

    v = sub.add_parser("validate", help="проверить один файл по контракту")
    v.add_argument("path")
    v.add_argument(
        "--kind",
        default=None,
        help="registry | context | код процедуры ("
        + ", ".join(p.code for p in discover())
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
