# %% [markdown] tags=["remove-cell"]
# # Работы с заданиями (ВПР, НИКО, РПР): результаты муниципалитета
#
# Шаблон страницы сборника для одного муниципалитета и процедуры `procedure`. Параметры — в
# следующей ячейке; при сборке их подставляет papermill (`pipelines/pages.yml`). Без кода
# муниципалитета строится первый муниципалитет в данных.

# %% tags=["parameters"]
year = None  # год; None — последний год в данных
municipality = None  # код муниципалитета, например "03"; None — первый в данных
processed_dir = None  # папка data/processed; None — папка проекта
procedure = "vpr"  # процедура: "vpr" (ВПР), "niko" (НИКО) или "rpr" (РПР)

# %%
from soko import commentary, plots
from soko import notebook as nb

ctx = nb.context(year, processed_dir, municipality, scope="municipality", procedure=procedure)
marks = nb.load(f"{procedure}_marks", ctx)
tasks = nb.load(f"{procedure}_tasks", ctx)
journal = nb.load(f"{procedure}_journal", ctx)
scores = nb.load(f"{procedure}_scores", ctx)
unit_marks = nb.unit_rows(marks, ctx)
region_marks = nb.unit_rows(marks, ctx, "region", ctx.region.code)
this_year = unit_marks[unit_marks["year"] == ctx.year]

# %% [markdown]
# ## Общие результаты в сравнении с регионом

# %%
nb.say(commentary.marks_summary(unit_marks, region_marks, ctx.unit_name, ctx.year, ctx.title))
reg_year = region_marks[region_marks["year"] == ctx.year]
nb.show(this_year, ["label", "n", "share_mark2", "share_mark3", "share_mark4", "share_mark5",
                    "success_rate", "quality_rate", "mean_primary_score"], kind="marks")
nb.say("Для сравнения — регион в целом:")
nb.show(reg_year, ["label", "n", "success_rate", "quality_rate", "mean_primary_score"], kind="marks")
nb.show_figure(plots.mark_distribution(this_year, title=f"{ctx.unit_name}: распределение отметок, {ctx.year}"))

# %% [markdown]
# ## Динамика за три года

# %%
nb.say(commentary.dynamics_summary(unit_marks, ctx.year))
core = nb.series(unit_marks, ctx)
if not core.empty:
    nb.show_figure(plots.dynamics(core.assign(класс=core["grade"].astype(str) + " кл."), "quality_rate",
                                  hue="класс", title=f"{ctx.unit_name}: качество знаний по годам",
                                  ylabel="качество знаний"))
nb.show(this_year, ["label", "prev_year", "success_rate", "success_rate_change", "quality_rate",
                    "quality_rate_change", "share_mark2_change", "negative_dynamics"], kind="marks")

# %% [markdown]
# ## Школы муниципалитета

# %%
schools = nb.core(marks[(marks["level"] == "school") & (marks["municipality_code"] == ctx.municipality)
                         & (marks["year"] == ctx.year)], ctx)
nb.say(f"Качество знаний (доля отметок «4» и «5»). Группы менее {nb.min_group()} участников "
       f"не показываются («<{nb.min_group()}»).")
nb.show_matrix(schools, index="unit_name", columns="label", value="quality_rate", index_label="Школа")
nb.say("Доля отметок «2»:")
nb.show_matrix(schools, index="unit_name", columns="label", value="share_mark2", index_label="Школа")

# %% [markdown]
# ## Выполнение заданий

# %%
unit_tasks = nb.core(nb.unit_rows(tasks, ctx), ctx)
region_tasks = nb.unit_rows(tasks, ctx, "region", ctx.region.code)
for (subject, grade), work in unit_tasks[unit_tasks["year"] == ctx.year].groupby(["subject", "grade"]):
    reg = region_tasks[(region_tasks["year"] == ctx.year) & (region_tasks["subject"] == subject)
                       & (region_tasks["grade"] == grade)]
    nb.say(f"**{plots.work_label(subject, grade)}** " + commentary.task_deficits(work))
    nb.show_figure(plots.task_completion(work, reg, title=plots.work_label(subject, grade)))

# %% [markdown]
# ## Отметки за работу и отметки по журналу

# %%
unit_journal = nb.unit_rows(journal, ctx)
unit_journal = unit_journal[unit_journal["year"] == ctx.year]
nb.say(commentary.journal_summary(unit_journal, ctx.title))
if unit_journal["n"].sum() > 0:
    nb.show_figure(plots.journal_comparison(
        unit_journal, title=f"Соответствие отметок {ctx.title} отметкам по журналу"))
    nb.show(unit_journal, ["label", "n", "share_lowered", "share_confirmed", "share_raised",
                           "share_large_gap"], kind="journal")

# %% [markdown]
# ## Распределение первичных баллов
#
# Пунктиром отмечены границы отметок. Выраженные пики ровно на границе — возможный признак
# необъективности результатов.

# %%
unit_scores = nb.core(nb.unit_rows(scores, ctx), ctx)
for (subject, grade), dist in unit_scores[unit_scores["year"] == ctx.year].groupby(["subject", "grade"]):
    if dist["n"].iloc[0] < nb.min_group():
        continue
    scale = nb.scale(ctx, subject, grade)
    nb.show_figure(plots.score_histogram(dist, scale.thresholds, scale.max_score,
                                         title=plots.work_label(subject, grade)))
