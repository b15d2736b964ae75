# %% [markdown] tags=["remove-cell"]
# # Работы с заданиями (ВПР, НИКО, РПР): результаты региона
#
# Шаблон страницы сборника для процедуры `procedure`. Параметры — в следующей ячейке; при сборке
# их подставляет papermill (`pipelines/pages.yml`). Чтобы построить страницу вручную, выполните
# все ячейки.

# %% tags=["parameters"]
year = None  # год; None — последний год в данных
processed_dir = None  # папка data/processed; None — папка проекта
procedure = "vpr"  # процедура: "vpr" (ВПР), "niko" (НИКО) или "rpr" (РПР)

# %%
from soko import commentary, plots
from soko import notebook as nb

ctx = nb.context(year, processed_dir, procedure=procedure)
marks = nb.load(f"{procedure}_marks", ctx)
tasks = nb.load(f"{procedure}_tasks", ctx)
journal = nb.load(f"{procedure}_journal", ctx)
scores = nb.load(f"{procedure}_scores", ctx)
region_marks = nb.unit_rows(marks, ctx)
this_year = region_marks[region_marks["year"] == ctx.year]

# %% [markdown]
# ## Общие результаты

# %%
nb.say(commentary.marks_summary(region_marks, None, ctx.region.name, ctx.year, ctx.title))
nb.show(this_year, ["label", "n", "share_mark2", "share_mark3", "share_mark4", "share_mark5",
                    "success_rate", "quality_rate", "mean_primary_score"], kind="marks")
nb.show_figure(plots.mark_distribution(this_year, title=f"Распределение отметок, {ctx.year}"))

# %% [markdown]
# ## Динамика за три года

# %%
nb.say(commentary.dynamics_summary(region_marks, ctx.year))
core = nb.series(region_marks, ctx)
if not core.empty:
    nb.show_figure(plots.dynamics(core.assign(класс=core["grade"].astype(str) + " кл."), "quality_rate",
                                  hue="класс", title="Качество знаний по годам", ylabel="качество знаний"))
nb.show(this_year, ["label", "prev_year", "success_rate", "success_rate_change", "quality_rate",
                    "quality_rate_change", "share_mark2_change", "negative_dynamics"], kind="marks")

# %% [markdown]
# ## Муниципалитеты

# %%
muni = marks[(marks["level"] == "municipality") & (marks["year"] == ctx.year)]
if plots.drop_small(muni).empty:
    nb.say(f"Во всех муниципалитетах меньше {nb.min_group()} участников: сравнение не приводится.")
else:
    nb.show_figure(plots.heatmap(muni, index="unit_name", columns="label", value="quality_rate",
                                 title=f"Качество знаний по муниципалитетам, {ctx.year}, %"))
    nb.show_figure(plots.heatmap(muni, index="unit_name", columns="label", value="share_mark2",
                                 title=f"Доля отметок «2» по муниципалитетам, {ctx.year}, %"))

# %% [markdown]
# ## Выполнение заданий

# %%
region_tasks = nb.core(nb.unit_rows(tasks, ctx), ctx)
for (subject, grade), work in region_tasks[region_tasks["year"] == ctx.year].groupby(["subject", "grade"]):
    nb.say(f"**{plots.work_label(subject, grade)}** " + commentary.task_deficits(work))
    nb.show_figure(plots.task_completion(work, title=plots.work_label(subject, grade)))

# %% [markdown]
# ## Отметки за работу и отметки по журналу

# %%
region_journal = nb.unit_rows(journal, ctx)
region_journal = region_journal[region_journal["year"] == ctx.year]
nb.say(commentary.journal_summary(region_journal, ctx.title))
if region_journal["n"].sum() > 0:
    nb.show_figure(plots.journal_comparison(
        region_journal, title=f"Соответствие отметок {ctx.title} отметкам по журналу"))
    nb.show(region_journal, ["label", "n", "share_lowered", "share_confirmed", "share_raised",
                             "share_large_gap"], kind="journal")

# %% [markdown]
# ## Распределение первичных баллов
#
# Пунктиром отмечены границы отметок. Выраженные пики ровно на границе — возможный признак
# необъективности результатов.

# %%
region_scores = nb.core(nb.unit_rows(scores, ctx), ctx)
for (subject, grade), dist in region_scores[region_scores["year"] == ctx.year].groupby(["subject", "grade"]):
    if dist["n"].iloc[0] < nb.min_group():
        continue
    scale = nb.scale(ctx, subject, grade)
    nb.show_figure(plots.score_histogram(dist, scale.thresholds, scale.max_score,
                                         title=plots.work_label(subject, grade)))
