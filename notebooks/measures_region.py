# %% [markdown] tags=["remove-cell"]
# # Реестр мер и их результативность: регион в целом
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний год ВПР в данных. Виды мер и настройки
# оценки — `config/measures.yml`, метод — `docs/measures.md`.

# %% tags=["parameters"]
year = None  # год сборника; None — последний год ВПР в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import show_source_table
from soko.procedures.measures import charts, commentary
from soko.procedures.measures.commentary import EFFECT_LABELS, REGISTER_LABELS, ROADMAP_LABELS
from soko.procedures.measures.settings import measures_settings

ctx = nb.context(year, processed_dir)
register = derive.load("measure_register", ctx.processed)
effects = derive.load("measure_effects", ctx.processed)
roadmap = derive.load("shnor_roadmap", ctx.processed)

# %% [markdown]
# ## Реестр мер

# %%
nb.say(commentary.register_summary(register, ctx.year))
show_source_table(commentary.register_until(register, ctx.year), REGISTER_LABELS,
                  f"reestr_mer_{ctx.year}.csv", keep=list(REGISTER_LABELS))

# %% [markdown]
# ## Результативность мер (решение 001_* §5)

# %%
nb.say(commentary.method_note(measures_settings()))
region_effects = commentary.effect_rows(effects, "region")
nb.say(commentary.effects_summary(effects))
if len(region_effects):
    nb.show_figure(charts.effects_forest(region_effects, title="Эффект мер по видам: регион"))
show_source_table(region_effects, EFFECT_LABELS, "rezultativnost_mer_region.csv",
                  keep=["kind_name", "outcome_name", "unit_name", "verdict"])

# %%
nb.say("По муниципалитетам (школы с мерой — только этого муниципалитета; сопоставимые "
       "школы — из всего региона):")
show_source_table(commentary.effect_rows(effects, "municipality"), EFFECT_LABELS,
                  "rezultativnost_mer_municipalitety.csv",
                  keep=["kind_name", "outcome_name", "unit_name", "verdict"])

# %% [markdown]
# ## Дорожная карта для школ с низкими результатами (004_* п. 3.3)

# %%
nb.say(commentary.roadmap_summary(roadmap, ctx.year))
show_source_table(commentary.roadmap_rows(roadmap, ctx.year), ROADMAP_LABELS,
                  f"shnor_dorozhnaya_karta_{ctx.year}.csv", keep=list(ROADMAP_LABELS))
