# %% [markdown] tags=["remove-cell"]
# # Анкетирование обучающихся и родителей: регион в целом
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Без года строится последний год анкетирования в данных.
# Анкеты, вопросы и индексы — `config/surveys.yml`.

# %% tags=["parameters"]
year = None  # год анкетирования; None — последний в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.notebook import procedure_context, show_labelled
from soko.procedures.survey import charts, commentary
from soko.procedures.survey.settings import survey_settings

settings = survey_settings()
ctx = procedure_context("survey_indices", year, processed_dir)
rates = commentary.with_names(derive.load("survey_response_rates", ctx.processed))
indices = commentary.with_names(derive.load("survey_indices", ctx.processed))
items = commentary.with_names(derive.load("survey_items", ctx.processed))
region_code = ctx.region.code

# %%
nb.say(f"""## Охват анкетирования

Охват — доля заполнивших анкету среди приглашённых (по данным ОО о контингенте).
Группы менее {nb.min_group()} респондентов не показываются («<{nb.min_group()}»).""")

# %%
nb.say(commentary.response_summary(rates, ctx.year, "region", region_code, ctx.unit_name, settings))
show_labelled(commentary.unit_rows(rates, ctx.year, settings=settings), {"questionnaire_name": "Анкета", "unit_name": "Наименование",
                           "n_invited": "Приглашено", "n": "Заполнили анкету",
                           "share_responded": "Охват, %"},
              keep=["questionnaire_name", "unit_name", "n_invited"])

# %% [markdown]
# ## Индексы удовлетворённости и вовлечённости

# %%
nb.say(commentary.index_summary(indices, ctx.year, "region", region_code, region_code, settings))
history = indices[indices["year"] <= ctx.year]
nb.show_figure(charts.index_trend(history, ("region", region_code), region_code,
                                  title="Индексы по годам"))

# %%
year_idx = indices[indices["year"] == ctx.year]
reg_idx = year_idx[year_idx["level"] == "region"]
for (q_name, ix_name), part in year_idx[year_idx["level"] == "municipality"].groupby(
        ["questionnaire_name", "index_name"], sort=False):
    reg_value = reg_idx.loc[(reg_idx["questionnaire_name"] == q_name) & (reg_idx["index_name"] == ix_name), "mean_index"]
    nb.show_figure(charts.index_by_unit(part, reg_value.iloc[0] if len(reg_value) else None,
                                        title=f"{q_name}: {ix_name.lower()}"))
show_labelled(commentary.unit_rows(indices, ctx.year, settings=settings),
              {"questionnaire_name": "Анкета", "index_name": "Индекс", "unit_name": "Наименование",
               "n": "Респондентов", "mean_index": "Индекс (1–5)", "share_high": "Доля высоких (≥ 4), %",
               "mean_index_change": "Изменение к прошлому году"},
              keep=["questionnaire_name", "index_name", "unit_name"], digits=2)

# %% [markdown]
# ## Ответы на вопросы

# %%
reg_items = items[(items["level"] == "region") & (items["year"] == ctx.year)]
for q_code, q in settings.questionnaires.items():
    part = reg_items[reg_items["questionnaire"] == q_code]
    if part.empty:
        continue
    nb.say(f"**{q.name}.** " + commentary.item_extremes(part, q_code, settings))
    nb.show_figure(charts.likert_bars(part, settings, title=q.name))
