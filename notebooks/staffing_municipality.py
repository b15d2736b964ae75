# %% [markdown] tags=["remove-cell"]
# # Кадровое обеспечение: муниципалитет
#
# Шаблон страницы сборника для одного муниципалитета. Параметры — в следующей ячейке; при сборке
# их подставляет papermill (`pipelines/pages.yml`). Без кода муниципалитета строится первый
# муниципалитет в данных. Метод — `docs/staffing.md`.

# %% tags=["parameters"]
year = None  # год; None — последний год мониторинга в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import procedure_context
from soko.procedures.staffing import charts
from soko.procedures.staffing import commentary as cm
from soko.procedures.staffing.settings import staffing_settings

settings = staffing_settings()

ctx = procedure_context("staffing_units", year, processed_dir, municipality, scope="municipality")
units = derive.load("staffing_units", ctx.processed)
subjects = derive.load("staffing_subjects", ctx.processed)
projection = derive.load("staffing_projection", ctx.processed)
critical = derive.load("staffing_critical", ctx.processed)
effects = derive.load("staffing_measure_effects", ctx.processed)
quarter = cm.latest_quarter(units, ctx.year)
when = cm.quarter_label(ctx.year, quarter)
code = ctx.municipality

# %% [markdown]
# ## Вакантные ставки и педагоги на конец квартала

# %%
nb.say(cm.summary(cm.unit_row(units, code, ctx.year, quarter), settings, "муниципалитета"))
own = units[(units["level"] == "school") & (units["municipality_code"] == code)
            & (units["year"] == ctx.year) & (units["quarter"] == quarter)]
cm.show_table(cm.masked(own, settings), cm.UNIT_LABELS, f"kadry_shkoly_{code}_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Динамика по кварталам

# %%
rows = cm.trend(units, code, "municipality")
nb.say(cm.trend_sentence(rows))
region_rows = cm.trend(units, ctx.region.code, "region")
nb.show_figure(charts.quarter_trend(rows, region_rows, title="муниципалитет"))
cm.show_table(rows, cm.TREND_LABELS, f"kadry_{code}_po_kvartalam.csv")

# %% [markdown]
# ## Вакантные ставки по предметам

# %%
rows = cm.subject_rows(subjects, code, "municipality", ctx.year, quarter)
nb.show_figure(charts.subject_bars(rows, title=f"Доля вакантных ставок по предметам, {when}"))
cm.show_table(rows, cm.SUBJECT_LABELS, f"kadry_predmety_{code}_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Прогноз потребности в педагогах

# %%
rows = cm.projection_rows(projection, code, "municipality", ctx.year, quarter)
nb.say(cm.projection_summary(rows, settings))
if len(rows):
    nb.show_figure(charts.projection_bars(rows))
    cm.show_table(rows, cm.PROJECTION_LABELS, f"kadry_prognoz_{code}_{ctx.year}.csv")

# %% [markdown]
# ## Школы и предметы с критическим дефицитом

# %%
rows = critical[(critical["year"] == ctx.year) & (critical["quarter"] == quarter)
                & (critical["municipality_code"] == code)]
nb.say(cm.critical_summary(rows, settings, "в муниципалитете"))
if len(rows):
    cm.show_table(rows, cm.CRITICAL_LABELS, f"kadry_kriticheskiy_deficit_{code}_{ctx.year}_q{quarter}.csv")

# %% [markdown]
# ## Помогли ли меры кадровой поддержки

# %%
nb.say(cm.method_note(settings))
rows = effects[(effects["level"] == "municipality") & (effects["unit_code"] == code)]
nb.say(cm.effect_sentence(rows))
if len(rows):
    cm.show_table(rows, cm.EFFECT_LABELS, f"kadry_rezultativnost_mer_{code}.csv")
    nb.say("По региону в целом (больше школ — точнее оценка):")
    cm.show_table(effects[effects["level"] == "region"], cm.EFFECT_LABELS, "kadry_rezultativnost_mer_region.csv")
