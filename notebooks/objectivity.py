# %% [markdown] tags=["remove-cell"]
# # Признаки необъективности результатов ВПР
#
# Шаблон страницы сборника. Только для внутреннего издания: признаки необъективности называют
# школы, это служебный материал, и в публичное издание он не входит никогда
# (`pipelines/pages.yml`, `audience: internal`). Без кода муниципалитета — весь регион; с кодом —
# школы муниципалитета с обоснованием каждого признака. Таблицы — производные
# `objectivity_signals`, `objectivity_markers`, `objectivity_evidence`; метод —
# `docs/objectivity.md`.

# %% tags=["parameters"]
year = None  # год отчёта; None — последний год в данных
municipality = None  # код муниципалитета, например "03"; None — весь регион
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import notebook as nb
from soko.objectivity import plots as obj_plots
from soko.objectivity import report

ctx = nb.context(year, processed_dir, municipality)
signals = nb.derive.load("objectivity_signals", ctx.processed)
markers = nb.derive.load("objectivity_markers", ctx.processed)
cfg = report.settings()
mine = ctx.municipality  # None на странице региона
years = report.report_years(markers, ctx.year)
shares = report.municipality_shares(
    markers,
    years,
    region_code=ctx.region.code,
    region_name=ctx.region.name,
    order=list(ctx.region.municipalities),
)
units = report.marked_units(signals, ctx.year, mine, cfg.evidence_z)
screened = report.has_year(markers, ctx.year)  # False — за этот год оценки объективности нет

# %% [markdown]
# **Служебный материал.** Страница называет школы и в публичные издания сборника не входит.
#
# ## Метод кратко
#
# Признаки необъективности ищутся в каждой работе ВПР каждой школы (год, предмет, класс) по
# восьми сигналам; что означает каждый — в таблице ниже, как они вычисляются —
# в `docs/objectivity.md`.

# %%
nb.say(report.method_text(cfg))
report.show(report.signals_table())
nb.say(report.NOT_A_VERDICT)

# %% [markdown]
# ## Доля школ с признаками по муниципалитетам

# %%
nb.say(report.shares_text(cfg))
if screened:
    nb.say(report.shares_summary(shares, ctx.year, ctx.unit_code, ctx.unit_name))
else:
    nb.say(report.missing_year_text(markers, ctx.year))
title = "Доля школ с признаками необъективности" + (f": {ctx.unit_name}" if mine else "")
nb.show_figure(obj_plots.municipality_shares(shares, highlight=mine, title=title))
shown = shares if mine is None else shares[shares["unit_code"].isin([ctx.region.code, mine])]
report.show(report.shares_table(shown))

# %%
if screened:
    nb.say(f"## Работы с признаками в {ctx.year} году")
    nb.say(report.marked_summary(units, ctx.year, ctx.unit_name))
if not units.empty:
    report.show(report.marked_table(units, with_municipality=mine is None))
if mine is not None and years:
    nb.say("### Школы муниципалитета по годам")
    nb.say("Работ с признаком из оценённых работ школы; «—» — ни одна работа не оценивалась.")
    report.show(report.school_years(markers, years, mine))

# %%
if mine is None and screened:
    nb.say("## Таблица в форме федеральных перечней")
    rows = report.federal_rows(markers, ctx.year)
    if rows.empty:
        nb.say(f"В {ctx.year} году ни у одной школы признаков нет.")
    else:
        nb.say(
            "Школы, у которых есть хотя бы один признак: «1» — признак по работе, пустая "
            "клетка — признака нет или работа не оценивалась. Полная таблица по всем школам — "
            f"производная таблица `objectivity_markers`. Обозначения: {report.abbreviations(rows)}."
        )
        report.show(report.federal_display(rows, with_municipality=True))

# %%
if mine is not None and not units.empty:
    nb.say("## Обоснование по школам")
    nb.say(report.evidence_guide())
    evidence = nb.derive.load("objectivity_evidence", ctx.processed)
    for code, school in units.groupby("school_code", sort=False):
        nb.say(f"### {school['school_name'].iloc[0]}")
        nb.say(report.school_line(markers, code, years))
        for _, unit in school.iterrows():
            views = report.unit_evidence(evidence, unit)
            title = f"{unit['school_name']}\n{report.unit_title(unit)}"
            nb.say(f"#### {report.unit_title(unit)}")
            nb.say(report.evidence_line(unit))
            nb.show_figure(obj_plots.score_histogram(views.score, title=title))
            if views.level.empty:
                nb.say("Баллов за отдельные задания этой работы в данных нет.")
            else:
                nb.show_figure(obj_plots.task_levels(views.level, views.task, title=title))
            nb.say(report.journal_summary(views.journal))
            table = report.journal_table(views.journal)
            if table is not None:
                report.show(table)

# %% [markdown]
# ## Чувствительность метода

# %%
nb.say(report.power_note(cfg, markers, ctx.year))
