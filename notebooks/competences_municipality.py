# %% [markdown] tags=["remove-cell"]
# # Профессиональные компетенции педагогов и руководителей: муниципалитет
#
# Шаблон страницы сборника для одного муниципалитета. Параметры — в следующей ячейке; при
# сборке их подставляет papermill (`pipelines/pages.yml`). Без кода муниципалитета строится
# первый муниципалитет в данных. Метод — `docs/competences.md`.

# %% tags=["parameters"]
year = None  # год диагностики; None — последний в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.procedures.competences import charts, commentary as cm
from soko.procedures.competences.settings import HEAD, TEACHER, competences_settings

settings = competences_settings()
ctx = nb.procedure_context("competence_units", year, processed_dir, municipality, scope="municipality")
units = derive.load("competence_units", ctx.processed)
deficits = derive.load("competence_deficits", ctx.processed)
association = derive.load("competence_association", ctx.processed)
points = derive.load("competence_association_points", ctx.processed)
code = ctx.municipality

# %% [markdown]
# ## Кто прошёл диагностику и у кого дефициты

# %%
nb.say(cm.units_summary(units, settings, ctx.year, "municipality", code))
nb.show_source_table(cm.units_dynamics(units, settings, "municipality", code), cm.UNIT_LABELS,
                     f"kompetentsii_{code}_dinamika.csv", keep=["year", "role_name"])

# %% [markdown]
# ## Дефициты учителей по предметам и областям

# %%
teachers = cm.deficit_rows(deficits, settings, ctx.year, TEACHER, code, level="municipality")
region_teachers = cm.deficit_rows(deficits, settings, ctx.year, TEACHER, ctx.region.code)
if teachers["share_deficit"].notna().any():
    nb.show_figure(charts.deficits_heatmap(teachers, index="subject_name",
                   title=f"{ctx.unit_name}: доля учителей ниже уровня дефицита, {ctx.year}, %"))
nb.say(f"Группы меньше {settings.min_group} человек скрыты. Для сравнения — регион в целом, все предметы:")
nb.show_source_table(teachers, cm.DEFICIT_LABELS, f"kompetentsii_{code}_deficity_uchitelya_{ctx.year}.csv",
                     keep=list(cm.DESCRIPTIVE))
nb.show_source_table(region_teachers[region_teachers["subject"] == "all"], cm.DEFICIT_LABELS,
                     f"kompetentsii_region_deficity_{ctx.year}.csv", keep=list(cm.DESCRIPTIVE))

# %% [markdown]
# ## Дефициты руководителей

# %%
heads = cm.deficit_rows(deficits, settings, ctx.year, HEAD, code, level="municipality")
nb.show_source_table(heads, cm.DEFICIT_LABELS, f"kompetentsii_{code}_deficity_rukovoditeli_{ctx.year}.csv",
                     keep=list(cm.DESCRIPTIVE))

# %% [markdown]
# ## Связь результатов диагностики учителей с результатами школ
#
# Коэффициент считается по всем школам региона (в одном муниципалитете школ слишком мало);
# школы муниципалитета, показанные отдельными точками, выделены красным.

# %%
for subject in settings.association.subjects:
    name = settings.subjects[subject]
    coef = association[(association["year"] == ctx.year) & (association["subject"] == subject)
                       & (association["measure"] == "vpr_mean") & (association["method"] == "pearson")]
    mine = points[(points["year"] == ctx.year) & (points["subject"] == subject) & (points["measure"] == "vpr_mean")]
    nb.say(f"### {name}")
    if len(mine):
        nb.show_figure(charts.association_scatter(
            mine, coef.iloc[0] if len(coef) else None, highlight=code,
            xlabel=f"средний балл диагностики учителей ({name.lower()}), %",
            ylabel="ВПР: средний балл школы, % от максимума", title=f"{name}, {ctx.year}"))
        nb.say(cm.points_note(mine, association, ctx.year, subject, "vpr_mean", settings.min_group))
    nb.say(cm.association_text(association, ctx.year, subject, "vpr_mean"))
nb.show_source_table(cm.association_rows(association, ctx.year), cm.ASSOCIATION_LABELS,
                     f"kompetentsii_svyaz_{ctx.year}.csv", keep=list(cm.ASSOCIATION_LABELS), digits=2)
