# %% [markdown] tags=["remove-cell"]
# # Анкетирование обучающихся и родителей: муниципалитет
#
# Шаблон страницы сборника для одного муниципалитета. Параметры — в следующей ячейке; при
# сборке их подставляет papermill (`pipelines/pages.yml`). Без кода муниципалитета строится
# первый муниципалитет в данных.

# %% tags=["parameters"]
year = None  # год анкетирования; None — последний в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import procedure_context, show_labelled
from soko.procedures.survey import charts, commentary
from soko.procedures.survey.settings import survey_settings

settings = survey_settings()
ctx = procedure_context("survey_indices", year, processed_dir, municipality, scope="municipality")
rates = commentary.with_names(derive.load("survey_response_rates", ctx.processed))
indices = commentary.with_names(derive.load("survey_indices", ctx.processed))
items = commentary.with_names(derive.load("survey_items", ctx.processed))
region_code = ctx.region.code

# %%
nb.say(f"""## Охват анкетирования по школам

Группы менее {nb.min_group()} респондентов не показываются («<{nb.min_group()}»): для таких школ видно только число приглашённых.""")

# %%
unit = ("municipality", ctx.municipality)
nb.say(commentary.response_summary(rates, ctx.year, *unit, ctx.unit_name, settings))
show_labelled(commentary.unit_rows(rates, ctx.year, ctx.municipality, settings),
              {"questionnaire_name": "Анкета", "unit_name": "Наименование", "n_invited": "Приглашено",
               "n": "Заполнили анкету", "share_responded": "Охват, %"},
              keep=["questionnaire_name", "unit_name", "n_invited"])

# %% [markdown]
# ## Индексы: муниципалитет и регион

# %%
nb.say(commentary.index_summary(indices, ctx.year, *unit, region_code, settings))
history = indices[indices["year"] <= ctx.year]
nb.show_figure(charts.index_trend(history, unit, region_code, title=f"{ctx.unit_name}: индексы по годам"))

# %% [markdown]
# ## Индексы школ

# %%
schools_idx = indices[(indices["level"] == "school") & (indices["municipality_code"] == ctx.municipality)
                      & (indices["year"] == ctx.year)]
for q_code, q in settings.questionnaires.items():
    part = schools_idx[schools_idx["questionnaire"] == q_code]
    if part.empty:
        continue
    nb.say(f"**{q.name}**: индексы школ (1–5).")
    nb.show_matrix(part, index="unit_name", columns="index_name", value="mean_index", index_label="Школа")

# %% [markdown]
# ## Ответы на вопросы

# %%
unit_items = items[(items["level"] == "municipality") & (items["unit_code"] == ctx.municipality)
                   & (items["year"] == ctx.year)]
reg_items = items[(items["level"] == "region") & (items["year"] == ctx.year)]
for q_code, q in settings.questionnaires.items():
    part = unit_items[unit_items["questionnaire"] == q_code]
    if part.empty:
        continue
    nb.say(f"**{q.name}.** " + commentary.item_extremes(part, q_code, settings))
    nb.show_figure(charts.likert_bars(part, settings, title=f"{ctx.unit_name}: {q.name.lower()}"))
    both = part.merge(reg_items[["questionnaire", "item", "share_agree"]], on=["questionnaire", "item"],
                      suffixes=("", "_region"), how="left")
    show_labelled(both, {"item_text": "Вопрос", "n": "Ответили", "share_agree": "Согласны (4–5), %",
                         "share_agree_region": "Регион: согласны, %", "mean_answer": "Средний ответ"},
                  keep=["item_text", "share_agree_region"])
