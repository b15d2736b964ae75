# %% [markdown] tags=["remove-cell"]
# # Реестр мер и их результативность: муниципалитет
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
from soko.procedures.measures import charts, commentary
from soko.procedures.measures.commentary import EFFECT_LABELS, REGISTER_LABELS, ROADMAP_LABELS
from soko.procedures.measures.settings import measures_settings

ctx = nb.context(year, processed_dir, municipality, scope="municipality")
register = derive.load("measure_register", ctx.processed)
effects = derive.load("measure_effects", ctx.processed)
roadmap = derive.load("shnor_roadmap", ctx.processed)
mine = register[register["municipality_code"] == ctx.municipality]
where = "муниципалитета"

# %% [markdown]
# ## Меры муниципалитета

# %%
nb.say(commentary.register_summary(mine, ctx.year, where))
show_source_table(commentary.register_until(mine, ctx.year), REGISTER_LABELS,
                  f"reestr_mer_{ctx.municipality}_{ctx.year}.csv", keep=list(REGISTER_LABELS))

# %% [markdown]
# ## Измеренный эффект

# %%
nb.say(commentary.method_note(measures_settings()))
own = commentary.effect_rows(effects, "municipality", ctx.municipality)
if len(own):
    nb.show_figure(charts.effects_forest(own, title="Эффект мер муниципалитета"))
    show_source_table(own, EFFECT_LABELS, f"rezultativnost_mer_{ctx.municipality}.csv",
                      keep=["kind_name", "outcome_name", "unit_name", "verdict"])
    nb.say("Те же виды мер по региону в целом (больше школ — точнее оценка):")
    kinds = set(own["kind"])
    region_rows = commentary.effect_rows(effects, "region")
    show_source_table(region_rows[region_rows["kind"].isin(kinds)], EFFECT_LABELS,
                      "rezultativnost_mer_region.csv",
                      keep=["kind_name", "outcome_name", "unit_name", "verdict"])
else:
    nb.say("Мер, результативность которых можно измерить, в реестре муниципалитета нет.")

# %% [markdown]
# ## Школы с низкими результатами: дорожная карта

# %%
own_map = roadmap[roadmap["municipality_code"] == ctx.municipality]
nb.say(commentary.roadmap_summary(own_map, ctx.year, "в муниципалитете"))
show_source_table(commentary.roadmap_rows(own_map, ctx.year), ROADMAP_LABELS,
                  f"shnor_dorozhnaya_karta_{ctx.municipality}_{ctx.year}.csv",
                  keep=list(ROADMAP_LABELS))
