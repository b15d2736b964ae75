# %% [markdown] tags=["remove-cell"]
# # Оценка школ: добавленная ценность и категории школ
#
# Шаблон страницы сборника. Только для внутреннего издания: оценки добавленной ценности
# отдельных школ — служебный материал и в публичное издание не входят (`pipelines/pages.yml`,
# `audience: internal`). Без кода муниципалитета — весь регион; с кодом — школы муниципалитета
# на фоне всех школ региона.

# %% tags=["parameters"]
year = None  # год результата (более позднего из двух лет); None — последний год в данных
municipality = None  # код муниципалитета, например "03"; None — весь регион
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import notebook as nb
from soko.value_added import plots as va_plots
from soko.value_added import report

ctx = nb.context(year, processed_dir, municipality)
va = nb.derive.load("va_schools", ctx.processed)
models = nb.derive.load("va_models", ctx.processed)
classes = nb.derive.load("school_classes", ctx.processed)
mine = ctx.municipality  # None на странице региона
min_n = report.min_listed()
found = report.analyses(va, ctx.year)

# %% [markdown]
# ## Добавленная ценность
#
# Добавленная ценность показывает, насколько результаты обучающихся школы выше или ниже
# ожидаемых с учётом их прежних результатов и условий, в которых работает школа. Это не
# рейтинг результатов: школа с высокими результатами может добавлять столько же, сколько
# другие, а школа с невысокими — больше других.
#
# Эффект школы — насколько её обучающиеся в среднем написали работу лучше (больше 0) или
# хуже (меньше 0) ожидаемого, в стандартных отклонениях результата по региону: 0,2 —
# на пятую часть стандартного отклонения выше ожидаемого.
#
# **Как читать графики.** Точка — оценка эффекта школы, отрезок — её 95-процентный
# доверительный интервал. Группа определяется по интервалу, а не по точке: «выше
# ожидаемого» — весь интервал выше нуля, «ниже ожидаемого» — весь интервал ниже нуля,
# «на уровне ожидаемого» — интервал содержит ноль, даже если точка заметно отличается от
# нуля. У небольших школ интервалы шире, а оценки ближе к нулю: модель меньше доверяет
# малому числу работ. На «воронке» линии отмечают, насколько далеко от нуля может случайно
# оказаться школа такого размера или с такой точностью оценки (95 % и 99,8 % школ с
# ожидаемыми результатами — внутри).
# На пузырьковой диаграмме эффект сопоставлен со средним результатом школы, размер круга —
# число обучающихся. На страницах муниципалитетов показаны все школы региона, цветом
# выделены школы муниципалитета.

# %%
if not found:
    nb.say(
        f"За {ctx.year} год оценок добавленной ценности нет: для них нужны результаты "
        "тех же обучающихся или тех же параллелей за два года подряд."
    )
for a in found:
    rows = a.select(va)
    var = report.variances(models, a)
    title = a.title + (f"\nцветом выделены школы: {ctx.unit_name}" if mine else "")
    nb.say(f"### {a.title}")
    nb.say(report.model_text(models, a))
    nb.say(report.band_summary(rows, ctx.unit_name, mine))
    if report.no_school_differences(rows, var):
        nb.say(report.NO_DIFFERENCES)
    elif not report.listed(rows, mine).empty:
        nb.show_figure(va_plots.caterpillar(rows, municipality=mine, min_n=min_n, title=title))
        funnel = report.funnel_args(rows, var)
        nb.show_figure(va_plots.funnel(rows, **funnel, municipality=mine, min_n=min_n, title=title))
        nb.show_figure(va_plots.bubble(rows, municipality=mine, min_n=min_n, title=title))
    changes = report.unit_rows(report.band_changes(rows, a.select(va, ctx.year - 1)), mine)
    nb.say(report.change_summary(changes))
    if not changes.empty:
        report.show(report.school_table(changes, with_municipality=mine is None))

# %% [markdown]
# ## Категории школ
#
# Для каждой категории — действующее правило отбора (региональное, из настроек сборника),
# школы категории с основаниями и устойчивость: сколько лет школа в категории и входила ли
# в неё годом ранее, а также школы, вышедшие из категории за год.

# %%
rules = report.class_rules()
members = report.class_members(classes, ctx.year, mine)
before = report.previous_year(classes, ctx.year)
window = report.stability_window()
for cls, name in report.class_names().items():
    nb.say(f"### {name}")
    nb.say(f"**Правило.** {rules.get(cls, 'не описано')}")
    nb.say(f"{ctx.unit_name}. " + report.class_summary(members, cls, ctx.year, before))
    table = report.class_table(members, cls, with_municipality=mine is None, window=window)
    if not table.empty:
        report.show(table)
