# %% [markdown] tags=["remove-cell"]
# # Оценка механизмов управления качеством образования: муниципалитет
#
# Шаблон страницы сборника для одного муниципалитета (000_* п. 3.1, 4.1–4.3). Параметры — в
# следующей ячейке; при сборке их подставляет papermill (`pipelines/pages.yml`). Без кода
# муниципалитета строится первый муниципалитет в данных.

# %% tags=["parameters"]
year = None  # год оценки; None — последний в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.procedures.mechanisms import charts, commentary as cm
from soko.procedures.mechanisms.settings import mechanism_settings

settings = mechanism_settings()
ctx = nb.procedure_context("mechanism_scores", year, processed_dir, municipality, scope="municipality")
scores = derive.load("mechanism_scores", ctx.processed)
cycle = derive.load("mechanism_cycle", ctx.processed)
indicators = derive.load("mechanism_indicators", ctx.processed)
recs = derive.load("mechanism_recommendations", ctx.processed)
code = ctx.municipality

# %%
table = cm.unit_vs_region(scores, ctx.year, code)
nb.say("## Баллы в сравнении с областью\n\n" + cm.unit_summary(table, ctx.unit_name))
nb.show_figure(charts.unit_bars(table, settings, title=f"{ctx.unit_name}: балл по направлениям, {ctx.year}"))
nb.show_source_table(cm.for_page(table), {"direction_label": "Направление", "direction_name": "Кратко", "score_text": "Балл, % от максимума",
                             "region_text": "Область", "level_name": "Уровень", "rank_text": "Место",
                             "change_text": "Изменение к прошлому году", "stages_text": "Этапов цикла"},
                     f"mechanisms_{code}_scores_{ctx.year}.csv", keep=list(table.columns))

# %%
grid = cm.cycle_grid(cycle, ctx.year, code)
nb.say("## Где прерывается управленческий цикл\n\n" + cm.cycle_breaks_text(table, settings))
nb.show_figure(charts.stage_grid(grid, settings, title="Подтверждение этапов цикла по направлениям"))
nb.show_source_table(cm.for_page(grid), {"direction": "Направление", "stage_order": "№", "stage_name": "Этап",
                            "mark": "Подтверждён", "document": "Документ"},
                     f"mechanisms_{code}_cycle_{ctx.year}.csv", keep=list(grid.columns))

# %%
rows = cm.indicator_rows(indicators, ctx.year, code, "municipality")
nb.say("## Показатели\n\n" + cm.missing_indicators(indicators, ctx.year, code, "municipality"))
nb.show_source_table(cm.for_page(rows), {"direction": "Направление", "name": "Показатель", "value_text": "Значение",
                            "points_text": "Баллы", "source_text": "Источник", "basis": "Расчёт"},
                     f"mechanisms_{code}_indicators_{ctx.year}.csv", keep=list(rows.columns))

# %%
mine = cm.unit_recommendations(recs, ctx.year, code)
nb.say("## Адресные рекомендации\n\n" + cm.recommendations_text(mine))
nb.show_source_table(cm.for_page(mine), {"addressee": "Адресат", "unit_name": "Кому", "direction": "Направление",
                            "rule": "Правило", "figures": "Основание (цифры)"},
                     f"mechanisms_{code}_recommendations_{ctx.year}.csv", keep=list(mine.columns))

# %%
effects = cm.unit_measures(cm.optional_table("measure_effects", ctx.processed), code)
if not effects.empty:
    nb.say("## Меры и их измеренный эффект\n\nРазность разностей с 95-процентным интервалом (реестр мер).")
    nb.show_source_table(cm.for_page(effects), {"kind_name": "Мера", "subject": "Предмет", "outcome": "Результат",
                                   "n_treated": "Школ с мерой", "n_control": "Школ сравнения",
                                   "effect_text": "Эффект [95 % интервал]", "verdict": "Вывод"},
                         f"mechanisms_{code}_measures_{ctx.year}.csv", keep=list(effects.columns))
