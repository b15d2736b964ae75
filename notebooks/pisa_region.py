# %% [markdown] tags=["remove-cell"]
# # Региональная оценка по модели PISA: регион в целом
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний цикл исследования в данных.
#
# Выборка исследования представляет регион, а не муниципалитеты: оценки по муниципалитетам
# приведены в конце страницы и на страницах муниципалитетов — со стандартными ошибками и только
# там, где выборка это позволяет (`config/pisa.yml`).

# %% tags=["parameters"]
year = None  # год цикла исследования; None — последний в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.formats.replicate_study import charts, commentary
from soko.notebook import procedure_context, show_html, show_labelled
from soko.formats.replicate_study.settings import pisa_settings

ctx = procedure_context("pisa_estimates", year, processed_dir)
settings = pisa_settings()
estimates = commentary.with_texts(derive.load("pisa_estimates", ctx.processed))
levels = derive.load("pisa_levels", ctx.processed)
gaps = derive.load("pisa_gaps", ctx.processed)
resilience = derive.load("pisa_resilience", ctx.processed)
munis = commentary.with_texts(derive.load("pisa_municipalities", ctx.processed))
estimates["domain_name"] = estimates["domain"].map({k: d.name for k, d in settings.domains.items()})
overall = estimates[estimates["group_type"] == "all"]
this_year = overall[overall["year"] == ctx.year]

# %% [markdown]
# ## Основные результаты
#
# Результаты — на шкале PISA. Все оценки получены с итоговыми весами; стандартные ошибки (в
# скобках) учитывают выборку школ и учащихся (80 реплицированных весов, метод Фэя) и погрешность
# измерения (10 правдоподобных значений, правила Рубина).

# %%
nb.say(commentary.headline(estimates, ctx.year, settings))
show_labelled(this_year, {"domain_name": "Область", "n": "Участников", "n_schools": "Школ",
                          "mean_text": "Средний балл (SE)", "mean_ci": "95 % ДИ",
                          "below_text": f"Ниже уровня {settings.baseline_level} (SE, п. п.)",
                          "below_ci": "95 % ДИ"}, keep=["domain_name"])

# %% [markdown]
# ## Распределение по уровням

# %%
nb.show_figure(charts.level_bars(levels[levels["year"] == ctx.year], settings))
nb.say("Доли обучающихся по уровням (в скобках — стандартная ошибка, п. п.).")
show_html(commentary.level_grid(levels, ctx.year, settings))

# %% [markdown]
# ## Динамика по циклам исследования

# %%
nb.say(commentary.trend_summary(estimates, ctx.year, settings))
history = overall[overall["year"] <= ctx.year]
nb.show_figure(charts.trend(history, settings))
show_labelled(history, {"year": "Год", "domain_name": "Область", "mean_text": "Средний балл (SE)",
                        "change_text": "Изменение к прошлому циклу (SE)",
                        "below_text": f"Ниже уровня {settings.baseline_level} (SE, п. п.)"},
              keep=["domain_name"])

# %% [markdown]
# ## Результаты групп обучающихся
#
# Четверти ESCS — по индексу социально-экономического статуса внутри региона. Различия групп
# оценены по репликам (группы учатся в одних школах), значимость — на уровне 95 %.

# %%
groups = estimates[(estimates["year"] == ctx.year) & estimates["reportable"]]
nb.show_figure(charts.group_ranges(groups, settings, title="Средний балл групп (95 % ДИ)"))
nb.say(commentary.gap_summary(gaps, ctx.year, settings))
for domain, dom in settings.domains.items():
    nb.say(f"**{dom.name}**")
    show_labelled(groups[groups["domain"] == domain],
                  {"group": "Группа", "n": "Участников", "mean_text": "Средний балл (SE)",
                   "mean_ci": "95 % ДИ", "below_text": f"Ниже уровня {settings.baseline_level} (SE, п. п.)"},
                  keep=["group"])

# %% [markdown]
# ## Резильентные обучающиеся

# %%
nb.say(commentary.resilience_summary(resilience, ctx.year, settings))

# %% [markdown]
# ## Муниципалитеты: только со стандартной ошибкой

# %%
nb.say(commentary.municipality_note(munis, ctx.year, settings))
m_year = munis[munis["year"] == ctx.year]
shown = m_year[m_year["reliable"]]
if (shown["level"] == "municipality").any():
    for domain, dom in settings.domains.items():
        nb.show_figure(charts.municipality_ranges(m_year, domain, settings))
    nb.say("Муниципалитеты с достаточной выборкой (математическая грамотность):")
    show_labelled(shown[shown["domain"] == "math"],
                  {"unit_name": "Наименование", "n": "Участников", "n_schools": "Школ",
                   "mean_text": "Средний балл (SE)", "mean_ci": "95 % ДИ"}, keep=["unit_name"])
else:
    nb.say("Ни в одном муниципалитете выборка не позволяет получить надёжную оценку.")
