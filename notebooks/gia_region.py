# %% [markdown] tags=["remove-cell"]
# # ГИА (ОГЭ, ЕГЭ, ГВЭ): результаты региона
#
# Шаблон страницы сборника для региона в целом, общий для ОГЭ, ЕГЭ и ГВЭ: процедуру выбирает параметр
# `procedure` («oge», «ege», «gve») в следующей ячейке; при сборке параметры подставляет papermill
# (`pipelines/pages.yml`). Без параметров строится ОГЭ за последний год в данных.

# %% tags=["parameters"]
year = None  # год; None — последний год в данных
procedure = "oge"  # "oge" — ОГЭ (9 класс), "ege" — ЕГЭ (11 класс), "gve" — ГВЭ (9 и 11)
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import notebook as nb
from soko import registry
from soko.formats.rcoi_protocol import pages as gia

p = gia.page(registry.procedure(procedure), year, processed_dir)
gia.summary(p)

# %% [markdown]
# ## Результаты по предметам

# %%
gia.results(p)
gia.distribution(p)

# %% [markdown]
# ## Динамика за три года

# %%
gia.dynamics(p)

# %%
nb.say(f"""## Муниципалитеты

Группы менее {nb.min_group()} участников не показываются («<{nb.min_group()}»).""")

# %%
gia.municipalities(p)

# %% [markdown]
# ## Распределение баллов

# %%
gia.histograms(p)
