# %% [markdown] tags=["remove-cell"]
# # Всероссийская олимпиада школьников: регион
#
# Шаблон страницы сборника. Параметры — в следующей ячейке; при сборке их подставляет papermill (`pipelines/pages.yml`).

# %% tags=["parameters"]
year = None  # год сборника (год окончания учебного года); None — последний в данных
municipality = None  # не используется на странице региона
processed_dir = None  # папка data/processed; None — папка проекта

# %%
SCOPE = "region"
from soko import derive
from soko import notebook as nb
from soko.notebook import show_source_table
from soko.procedures.olympiads import charts, commentary as oc
from soko.procedures.olympiads.settings import olympiad_settings

s = olympiad_settings()
ctx = nb.procedure_context("olympiad_participation", year, processed_dir, municipality, scope=SCOPE)
participation = derive.load("olympiad_participation", ctx.processed)
schools = derive.load("olympiad_schools", ctx.processed)
subjects = derive.load("olympiad_subjects", ctx.processed)
unit, level, where = ctx.region.code, "region", "в регионе"

# %% [markdown]
# ## Участие по этапам и классам

# %%
nb.say(oc.summary(participation, ctx.year, level, unit, where, s))
nb.say(oc.suppression_note(nb.min_group()))
show_source_table(oc.band_rows(participation, ctx.year, level, unit), oc.BAND_LABELS,
                  f"vsosh_uchastie_{ctx.year}.csv", keep=["stage_name", "band", *oc.KEEP_COUNTS])

# %% [markdown]
# ## Динамика по годам

# %%
dyn = oc.dynamics_rows(participation, level, unit, s)
nb.show_figure(charts.dynamics_chart(dyn, title="Участники ВсОШ на 100 обучающихся 4–11 классов"))
show_source_table(dyn[dyn["participants"] > 0], oc.DYNAMICS_LABELS, "vsosh_dinamika_region.csv",
                  keep=["year", "stage_name", *oc.KEEP_COUNTS])

# %% [markdown]
# ## Муниципалитеты

# %%
munis = oc.unit_rows(participation, ctx.year, "municipality", s)
show_source_table(munis, oc.UNIT_LABELS, f"vsosh_municipalitety_{ctx.year}.csv",
                  keep=["unit_name", *oc.KEEP_COUNTS])

# %% [markdown]
# ## Предметы, в которых регион слабее

# %%
subj = oc.subject_rows(subjects, ctx.year, level, unit, s.min_participants)
nb.say(oc.weak_summary(subj, s, s.min_participants, where))
if len(subj):
    nb.show_figure(charts.subjects_chart(subj, s.min_participants, title="Доля победителей и призёров по предметам"))
show_source_table(subj, oc.SUBJECT_LABELS, f"vsosh_predmety_{ctx.year}.csv",
                  keep=["subject_name", "verdict", *oc.KEEP_COUNTS])

# %% [markdown]
# ## Школы без победителей и призёров

# %%
nb.say(oc.no_awards_summary(schools, ctx.year, s, where))
rows = oc.school_rows(schools, ctx.year)
show_source_table(rows[rows["no_awards"].astype(bool)], oc.SCHOOL_LABELS,
                  f"vsosh_shkoly_bez_prizerov_{ctx.year}.csv",
                  keep=["municipality_name", "school_name", "years_with_data", *oc.KEEP_COUNTS])
