# %% [markdown] tags=["remove-cell"]
# # Кадровое обеспечение: регион в целом
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний год мониторинга в данных; показатели —
# на конец последнего квартала года, динамика — по всем кварталам. Настройки — `config/staffing.yml`,
# метод — `docs/staffing.md`.

# %% tags=["parameters"]
year = None  # год; None — последний год мониторинга в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import procedure_context
from soko.procedures.staffing import charts
from soko.procedures.staffing import commentary as cm
from soko.procedures.staffing.settings import staffing_settings

settings = staffing_settings()

ctx = procedure_context("staffing_units", year, processed_dir)
units = derive.load("staffing_units", ctx.processed)
subjects = derive.load("staffing_subjects", ctx.processed)
projection = derive.load("staffing_projection", ctx.processed)
critical = derive.load("staffing_critical", ctx.processed)
effects = derive.load("staffing_measure_effects", ctx.processed)
quarter = cm.latest_quarter(units, ctx.year)
when = cm.quarter_label(ctx.year, quarter)
code = ctx.region.code

# %% [markdown]
# ## Вакантные ставки и педагоги на конец квартала

# %%
nb.say(cm.summary(cm.unit_row(units, code, ctx.year, quarter), settings, "региона"))
munis = units[(units["level"] == "municipality") & (units["year"] == ctx.year) & (units["quarter"] == quarter)]
cm.show_table(cm.masked(munis, settings), cm.UNIT_LABELS, f"kadry_municipalitety_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Динамика по кварталам

# %%
rows = cm.trend(units, code, "region")
nb.say(cm.trend_sentence(rows))
nb.show_figure(charts.quarter_trend(rows, title="регион"))
cm.show_table(rows, cm.TREND_LABELS, "kadry_region_po_kvartalam.csv")

# %% [markdown]
# ## Вакантные ставки по предметам

# %%
rows = cm.subject_rows(subjects, code, "region", ctx.year, quarter)
nb.show_figure(charts.subject_bars(rows, title=f"Доля вакантных ставок по предметам, {when}"))
cm.show_table(rows, cm.SUBJECT_LABELS, f"kadry_predmety_region_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Прогноз потребности в педагогах

# %%
rows = cm.projection_rows(projection, code, "region", ctx.year, quarter)
nb.say(cm.projection_summary(rows, settings))
if len(rows):
    nb.show_figure(charts.projection_bars(rows))
    cm.show_table(rows, cm.PROJECTION_LABELS, f"kadry_prognoz_region_{ctx.year}.csv")

# %% [markdown]
# ## Школы и предметы с критическим дефицитом

# %%
rows = critical[(critical["year"] == ctx.year) & (critical["quarter"] == quarter)]
nb.say(cm.critical_summary(rows, settings, "в регионе"))
if len(rows):
    cm.show_table(rows, cm.CRITICAL_LABELS, f"kadry_kriticheskiy_deficit_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Помогли ли меры кадровой поддержки

# %%
nb.say(cm.method_note(settings))
rows = effects[effects["level"] == "region"]
nb.say(cm.effect_sentence(rows))
if len(rows):
    cm.show_table(rows, cm.EFFECT_LABELS, "kadry_rezultativnost_mer_region.csv")
