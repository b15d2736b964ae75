# %% [markdown] tags=["remove-cell"]
# # ГИА (ОГЭ, ЕГЭ, ГВЭ): результаты муниципалитета
#
# Шаблон страницы сборника для одного муниципалитета, общий для ОГЭ, ЕГЭ и ГВЭ: процедуру выбирает
# параметр `procedure` («oge», «ege», «gve»), муниципалитет — `municipality` (например, "03"). При сборке
# параметры подставляет papermill (`pipelines/pages.yml`). Без параметров строится ОГЭ за последний
# год для первого муниципалитета в данных.

# %% tags=["parameters"]
year = None  # год; None — последний год в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
procedure = "oge"  # "oge" — ОГЭ (9 класс), "ege" — ЕГЭ (11 класс), "gve" — ГВЭ (9 и 11)
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import registry
from soko.formats.rcoi_protocol import pages as gia

p = gia.page(registry.procedure(procedure), year, processed_dir, municipality, scope="municipality")
gia.summary(p)

# %% [markdown]
# ## Результаты по предметам в сравнении с регионом

# %%
gia.results(p)
gia.comparison(p)
gia.distribution(p)

# %% [markdown]
# ## Динамика за три года: муниципалитет и регион

# %%
gia.dynamics(p)

# %% [markdown]
# ## Школы муниципалитета

# %%
gia.schools(p)

# %% [markdown]
# ## Распределение баллов

# %%
gia.histograms(p)
