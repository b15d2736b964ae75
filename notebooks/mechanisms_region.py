# %% [markdown] tags=["remove-cell"]
# # Оценка механизмов управления качеством образования: регион в целом
#
# Шаблон страницы сборника аналитических материалов по результатам оценки механизмов управления
# (000_* п. 3.1). Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний год оценки в данных.
# Показатели, шкалы, веса и правила рекомендаций — `config/mechanisms.yml`.

# %% tags=["parameters"]
year = None  # год оценки; None — последний в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.procedures.mechanisms import charts, commentary as cm
from soko.procedures.mechanisms.settings import COMPUTED_SOURCES, mechanism_settings

settings = mechanism_settings()
ctx = nb.procedure_context("mechanism_scores", year, processed_dir)
scores = derive.load("mechanism_scores", ctx.processed)
cycle = derive.load("mechanism_cycle", ctx.processed)
indicators = derive.load("mechanism_indicators", ctx.processed)
recs = derive.load("mechanism_recommendations", ctx.processed)

# %%
nb.say("## Баллы муниципалитетов по направлениям\n\n" + cm.overview(scores, ctx.year))
grid = cm.score_grid(scores, ctx.year)
nb.show_figure(charts.score_heatmap(grid, settings, title=f"Балл по направлениям, {ctx.year}, % от максимума"))
wide = cm.score_wide(grid, settings)
nb.say("Балл направления — % от максимума (показатели и подтверждённые этапы цикла, правило — в конце страницы); в файле для скачивания — те же баллы.")
nb.show_source_table(cm.for_page(wide), {"unit_name": "Муниципалитет", **{c: c for c in [*settings.directions, "Итого"] if c in wide},
                                         "total_level": "Уровень (итог)", "total_rank": "Место (итог)"},
                     f"mechanisms_scores_{ctx.year}.csv", keep=list(wide.columns))

# %%
completeness = cm.cycle_completeness(scores, settings, ctx.year)
nb.say("## Завершённость управленческого цикла\n\n" + cm.cycle_summary(completeness))
nb.show_figure(charts.cycle_bars(completeness, settings, title="Муниципалитеты: полный цикл и где он прерывается"))
nb.show_source_table(cm.for_page(completeness), {"direction": "Направление", "direction_name": "Кратко", "n": "Муниципалитетов",
                                    "n_full": "С полным циклом", "breaks": "Прерывается на этапе — муниципалитетов"},
                     f"mechanisms_cycle_{ctx.year}.csv", keep=list(completeness.columns))

# %%
stages = cm.weakest_stages(cycle, settings, ctx.year)
nb.say("## Самые слабые этапы цикла по области\n\n" + cm.weakest_summary(stages))
nb.show_figure(charts.stage_bars(stages, title="Подтверждение этапов цикла по области"))
nb.show_source_table(cm.for_page(stages), {"stage_order": "№", "stage_name": "Этап", "n": "Пар «муниципалитет × направление»",
                              "n_done": "С подтверждением", "confirmed_text": "Доля"},
                     f"mechanisms_stages_{ctx.year}.csv", keep=list(stages.columns))

# %%
nb.say("## Изменение к прошлому году\n\n" + cm.change_summary(scores, ctx.year))
changes = grid[(grid["direction"] == "total") & (grid["level"] == "municipality")]
nb.show_source_table(cm.for_page(changes), {"unit_name": "Муниципалитет", "score_text": "Итоговый балл", "change_text": "Изменение"},
                     f"mechanisms_change_{ctx.year}.csv", keep=list(changes.columns))

# %%
nb.say("""## Рейтинг: итоговый и по направлениям

Места по баллу, 1 — наивысший; у равных баллов общее место (1, 1, 3). Место — порядок баллов,
а не доказанное различие: разница в одно-два места при близких баллах ничего не значит.""")
places = cm.ranking(scores, settings, ctx.year)
nb.show_source_table(cm.for_page(places), {c: ("Муниципалитет" if c == "unit_name" else c) for c in places.columns if c != "unit_code"},
                     f"mechanisms_ranking_{ctx.year}.csv", keep=list(places.columns))

# %%
best = cm.best_practices(scores, settings, ctx.year)
nb.say("## Лучшие практики\n\n" + cm.best_summary(best))
nb.show_source_table(cm.for_page(best), {"direction": "Направление", "direction_name": "Кратко", "rank": "Место",
                            "unit_name": "Муниципалитет", "score_text": "Балл", "cycle_text": "Цикл"},
                     f"mechanisms_best_{ctx.year}.csv", keep=list(best.columns))

# %%
own = cm.recommendations_for(recs, ctx.year, ["департамент", "институт развития образования"])
nb.say("## Адресные рекомендации департаменту и институту развития образования\n\n" + cm.recommendations_text(own))
nb.show_source_table(cm.for_page(own), {"addressee": "Адресат", "direction": "Направление", "rule": "Правило", "figures": "Основание (цифры)"},
                     f"mechanisms_recommendations_{ctx.year}.csv", keep=list(own.columns))
others = cm.recommendations_for(recs, ctx.year, ["муниципальный орган управления образованием", "школа"])
nb.say(f"Рекомендаций муниципальным органам управления образованием и школам: {len(others)} — на страницах муниципалитетов.")

# %%
region_ind = cm.indicator_rows(indicators, ctx.year, ctx.region.code, "region")
nb.say("## Показатели области\n\n" + cm.missing_indicators(indicators, ctx.year, ctx.region.code, "region"))
nb.show_source_table(cm.for_page(region_ind), {"direction": "Направление", "name": "Показатель", "value_text": "Значение",
                                  "points_text": "Баллы", "source_text": "Источник", "basis": "Расчёт"},
                     f"mechanisms_region_indicators_{ctx.year}.csv", keep=list(region_ind.columns))

# %%
rule = cm.rule_in_force(settings, COMPUTED_SOURCES)
nb.say("## Правило в силе\n\n" + cm.weights_text(settings))
nb.show_source_table(cm.for_page(rule), {"direction": "Направление", "name": "Показатель", "source": "Источник",
                            "rule": "Начисление баллов", "max_points": "Максимум"},
                     "mechanisms_rule.csv", keep=list(rule.columns))
