# %% [markdown] tags=["remove-cell"]
# # Оценка по модели PISA: муниципалитет
#
# Шаблон страницы сборника. Выборка исследования представляет регион; оценки по муниципалитету
# показываются только при достаточной выборке (`config/pisa.yml`), иначе — результаты региона.

# %% tags=["parameters"]
year = None  # год цикла исследования; None — последний в данных
municipality = None  # код муниципалитета; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.formats.replicate_study import charts, commentary
from soko.notebook import procedure_context, show_labelled
from soko.formats.replicate_study.settings import pisa_settings

ctx = procedure_context("pisa_municipalities", year, processed_dir, municipality, scope="municipality")
code = ctx.municipality
name = ctx.region.municipality_name(code)
settings = pisa_settings()
domains = {k: d.name for k, d in settings.domains.items()}
munis = commentary.with_texts(derive.load("pisa_municipalities", ctx.processed))
munis["domain_name"] = munis["domain"].map(domains)
rows = munis[(munis["year"] == ctx.year) & munis["unit_code"].isin([code, ctx.region.code])]
reliable = bool(rows.loc[rows["unit_code"] == code, "reliable"].all()) and (rows["unit_code"] == code).any()
COLUMNS = {"domain_name": "Область", "unit_name": "Наименование", "n": "Участников", "n_schools": "Школ",
           "mean_text": "Средний балл (SE)", "mean_ci": "95 % ДИ", "below_text": "Ниже уровня 2 (SE)"}

# %% [markdown]
# ## Результаты

# %%
nb.say(commentary.municipality_page_text(munis, code, name, ctx.year, settings))
shown = rows if reliable else rows[rows["unit_code"] == ctx.region.code]
show_labelled(shown.sort_values(["domain", "level"]), COLUMNS)
for domain in domains:
    nb.show_figure(charts.municipality_ranges(rows, domain, settings))
