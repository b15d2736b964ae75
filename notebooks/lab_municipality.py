# %% [markdown] tags=["remove-cell"]
# # Использование учебного и лабораторного оборудования: муниципалитет
#
# Шаблон страницы сборника для одного муниципалитета. Параметры — в следующей ячейке; при
# сборке их подставляет papermill (`pipelines/pages.yml`). Без кода муниципалитета строится
# первый муниципалитет в данных.

# %% tags=["parameters"]
year = None  # год сборника; None — последний год ВПР в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import show_source_table
from soko.procedures.lab import charts, commentary
from soko.procedures.lab.commentary import (
    ASSOCIATION_LABELS, KIND_LABELS, SCHOOL_LABELS, UNIT_LABELS, shown,
)
from soko.procedures.lab.settings import lab_settings

ctx = nb.context(year, processed_dir, municipality, scope="municipality")
schools = derive.load("lab_schools", ctx.processed)
units = derive.load("lab_units", ctx.processed)
kinds = derive.load("lab_kinds", ctx.processed)
assoc = derive.load("lab_association", ctx.processed)
oge_tasks = derive.load("oge_tasks", ctx.processed)
oge_subjects = set(oge_tasks.loc[oge_tasks["year"] == ctx.year, "subject"])
names = dict(zip(kinds["unit_code"], kinds["unit_name"]))
units = units.assign(unit_name=units["unit_code"].map(names))
mine = units[(units["level"] == "municipality") & (units["unit_code"] == ctx.municipality)]

# %% [markdown]
# ## Оборудование и его использование (решение 000_* п. 4.5)

# %%
nb.say(commentary.method_note(lab_settings()))
nb.say(commentary.units_summary(units, ctx.year, ctx.municipality))
show_source_table(shown(mine[mine["year"] <= ctx.year]), UNIT_LABELS,
                  f"oborudovanie_{ctx.municipality}_{ctx.year}.csv", keep=list(UNIT_LABELS))

# %% [markdown]
# ## По видам оборудования: динамика по годам

# %%
own_kinds = kinds[(kinds["level"] == "municipality") & (kinds["unit_code"] == ctx.municipality)
                  & (kinds["year"] <= ctx.year)]
if len(own_kinds):
    nb.show_figure(charts.underused_dynamics(
        own_kinds, title="Доля школ, где оборудование не используется или используется недостаточно"))
show_source_table(shown(own_kinds), {"year": "Год", **KIND_LABELS},
                  f"oborudovanie_vidy_{ctx.municipality}_{ctx.year}.csv",
                  keep=["year", "unit_name", "kind_name"])

# %% [markdown]
# ## Школы, где оборудование не используется или используется недостаточно

# %%
show_source_table(commentary.underused_rows(schools, ctx.year, ctx.municipality), SCHOOL_LABELS,
                  f"oborudovanie_nedoispolzuetsya_{ctx.municipality}_{ctx.year}.csv",
                  keep=list(SCHOOL_LABELS))

# %% [markdown]
# ## Практические задания ВПР и ОГЭ и использование оборудования (решение 000_* п. 5.3)

# %%
nb.say(commentary.association_summary(assoc, ctx.year, ctx.municipality))
nb.say(commentary.oge_note(assoc, lab_settings(), ctx.year, oge_subjects))
own_assoc = assoc[(assoc["level"] == "municipality") & (assoc["unit_code"] == ctx.municipality)
                  & (assoc["year"] <= ctx.year)]
if own_assoc["difference"].notna().any():
    nb.show_figure(charts.association_chart(own_assoc, title="Практические задания и оборудование"))
nb.say("Для сравнения — по региону в целом:")
nb.say(commentary.association_summary(assoc, ctx.year))
show_source_table(shown(own_assoc), ASSOCIATION_LABELS,
                  f"oborudovanie_svyaz_{ctx.municipality}_{ctx.year}.csv",
                  keep=["year", "procedure_name", "subject_name", "unit_name", "verdict"])
