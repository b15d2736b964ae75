# %% [markdown] tags=["remove-cell"]
# # Профессиональные компетенции педагогов и руководителей: регион в целом
#
# Шаблон страницы сборника (решение 002_* пп. 3.3, 4.1, 5.1, 7.1; дорожная карта 004_* пп. 2.3,
# 2.12, 3.4). Параметры — в следующей ячейке; при сборке их подставляет papermill
# (`pipelines/pages.yml`). Области, уровни дефицита и темы программ — `config/competences.yml`,
# метод — `docs/competences.md`.

# %% tags=["parameters"]
year = None  # год диагностики; None — последний в данных
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import derive
from soko import notebook as nb
from soko.procedures.competences import charts, commentary as cm
from soko.procedures.competences.settings import HEAD, TEACHER, competences_settings

settings = competences_settings()
ctx = nb.procedure_context("competence_units", year, processed_dir)
units = derive.load("competence_units", ctx.processed)
deficits = derive.load("competence_deficits", ctx.processed)
programmes = derive.load("competence_programmes", ctx.processed)
association = derive.load("competence_association", ctx.processed)
points = derive.load("competence_association_points", ctx.processed)
code = ctx.region.code

# %% [markdown]
# ## Кто прошёл диагностику и у кого дефициты

# %%
nb.say(cm.units_summary(units, settings, ctx.year, "region", code))
nb.say("Динамика по годам (доли — среди прошедших диагностику; обучение — среди тех, у кого есть дефицит):")
nb.show_source_table(cm.units_dynamics(units, settings, "region", code), cm.UNIT_LABELS,
                     "kompetentsii_region_dinamika.csv", keep=["year", "role_name"])

# %% [markdown]
# ## Дефициты учителей по предметам и областям

# %%
teachers = cm.deficit_rows(deficits, settings, ctx.year, TEACHER, code)
nb.show_figure(charts.deficits_heatmap(teachers, index="subject_name",
               title=f"Доля учителей ниже уровня дефицита, {ctx.year}, %"))
nb.show_source_table(teachers, cm.DEFICIT_LABELS, f"kompetentsii_deficity_uchitelya_{ctx.year}.csv",
                     keep=list(cm.DESCRIPTIVE))

# %% [markdown]
# ## Дефициты руководителей (управление качеством образования, 002_* пп. 3.3, 7.1)

# %%
heads = cm.deficit_rows(deficits, settings, ctx.year, HEAD, code)
nb.show_source_table(heads, cm.DEFICIT_LABELS, f"kompetentsii_deficity_rukovoditeli_{ctx.year}.csv",
                     keep=list(cm.DESCRIPTIVE))

# %% [markdown]
# ## По муниципалитетам

# %%
by_unit = cm.municipalities_rows(deficits, settings, ctx.year)
for role, who in ((TEACHER, "учителей (все предметы)"), (HEAD, "руководителей")):
    part = by_unit[by_unit["role"] == role]
    if len(part):
        nb.show_figure(charts.deficits_heatmap(part, index="unit_name",
                       title=f"Доля {who} ниже уровня дефицита, {ctx.year}, %"))
nb.show_source_table(by_unit, {"role_name": "Кадры", **cm.DEFICIT_LABELS},
                     f"kompetentsii_deficity_municipalitety_{ctx.year}.csv", keep=list(cm.DESCRIPTIVE))

# %% [markdown]
# ## Дефициты, которые должны адресовать программы повышения квалификации

# %%
nb.say(cm.programme_summary(programmes, settings, ctx.year))
nb.show_source_table(cm.programme_rows(programmes, settings, ctx.year), cm.PROGRAMME_LABELS,
                     f"kompetentsii_programmy_{ctx.year}.csv", keep=list(cm.PROGRAMME_LABELS))

# %% [markdown]
# ## Связь результатов диагностики учителей с результатами школ
#
# Для каждой школы — средний балл диагностики учителей предмета и результат школы по этому
# предмету (ВПР, добавленная ценность). Коэффициент корреляции и его 95 % интервал (через
# z-преобразование Фишера) — по школам, а не по учителям.

# %%
for subject in settings.association.subjects:
    name = settings.subjects[subject]
    for measure, label in (("vpr_mean", "ВПР: средний балл школы, % от максимума"),
                           ("va", "добавленная ценность школы, SD")):
        coef = association[(association["year"] == ctx.year) & (association["subject"] == subject)
                           & (association["measure"] == measure) & (association["method"] == "pearson")]
        mine = points[(points["year"] == ctx.year) & (points["subject"] == subject) & (points["measure"] == measure)]
        nb.say(f"### {name}: {label}")
        if len(mine):
            nb.show_figure(charts.association_scatter(
                mine, coef.iloc[0] if len(coef) else None,
                xlabel=f"средний балл диагностики учителей ({name.lower()}), %", ylabel=label,
                title=f"{name}, {ctx.year}"))
            nb.say(cm.points_note(mine, association, ctx.year, subject, measure, settings.min_group))
        nb.say(cm.association_text(association, ctx.year, subject, measure))

# %%
nb.show_source_table(cm.association_rows(association, ctx.year), cm.ASSOCIATION_LABELS,
                     f"kompetentsii_svyaz_{ctx.year}.csv", keep=list(cm.ASSOCIATION_LABELS), digits=2)
nb.say("Динамика коэффициента по годам (Пирсона):")
nb.show_source_table(cm.association_dynamics(association), {"year": "Год", **cm.ASSOCIATION_LABELS},
                     "kompetentsii_svyaz_dinamika.csv", keep=["year", *cm.ASSOCIATION_LABELS], digits=2)
