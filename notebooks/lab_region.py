# %% [markdown] tags=["remove-cell"]
# # Использование учебного и лабораторного оборудования: регион в целом
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний год ВПР в данных. Виды оборудования,
# минимумы и практические задания — `config/lab.yml`, метод — `docs/lab.md`.

# %% tags=["parameters"]
year = None  # год сборника; None — последний год ВПР в данных
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

ctx = nb.context(year, processed_dir)
schools = derive.load("lab_schools", ctx.processed)
units = derive.load("lab_units", ctx.processed)
kinds = derive.load("lab_kinds", ctx.processed)
assoc = derive.load("lab_association", ctx.processed)
oge_tasks = derive.load("oge_tasks", ctx.processed)
oge_subjects = set(oge_tasks.loc[oge_tasks["year"] == ctx.year, "subject"])
names = dict(zip(kinds["unit_code"], kinds["unit_name"]))
units = units.assign(unit_name=units["unit_code"].map(names))

# %% [markdown]
# ## Оборудование и его использование (решение 000_* п. 4.5)

# %%
nb.say(commentary.method_note(lab_settings()))
nb.say(commentary.units_summary(units, ctx.year))
show_source_table(shown(units[units["year"] <= ctx.year]), UNIT_LABELS,
                  f"oborudovanie_territorii_{ctx.year}.csv", keep=list(UNIT_LABELS))

# %% [markdown]
# ## По видам оборудования: динамика по годам

# %%
region_kinds = kinds[(kinds["level"] == "region") & (kinds["year"] <= ctx.year)]
if len(region_kinds):
    nb.show_figure(charts.underused_dynamics(
        region_kinds, title="Доля школ, где оборудование не используется или используется недостаточно"))
show_source_table(shown(region_kinds), {"year": "Год", **KIND_LABELS},
                  f"oborudovanie_vidy_{ctx.year}.csv", keep=["year", "unit_name", "kind_name"])

# %% [markdown]
# ## Школы, где оборудование не используется или используется недостаточно

# %%
show_source_table(commentary.underused_rows(schools, ctx.year), SCHOOL_LABELS,
                  f"oborudovanie_nedoispolzuetsya_{ctx.year}.csv", keep=list(SCHOOL_LABELS))

# %% [markdown]
# ## Практические задания ВПР и ОГЭ и использование оборудования (решение 000_* п. 5.3)

# %%
nb.say(commentary.association_summary(assoc, ctx.year))
nb.say(commentary.oge_note(assoc, lab_settings(), ctx.year, oge_subjects))
region_assoc = assoc[(assoc["level"] == "region") & (assoc["year"] <= ctx.year)]
if len(region_assoc):
    nb.show_figure(charts.association_chart(region_assoc, title="Практические задания и оборудование: регион"))
show_source_table(shown(region_assoc), ASSOCIATION_LABELS, f"oborudovanie_svyaz_{ctx.year}.csv",
                  keep=["year", "procedure_name", "subject_name", "unit_name", "verdict"])
