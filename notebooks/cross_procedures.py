# %% [markdown] tags=["remove-cell"]
# # Сопоставление результатов процедур по школам
#
# Шаблон страницы сборника: ВПР 8 класса школы и её ОГЭ через год; ОГЭ и ЕГЭ через два года
# (дорожная карта, 004_* п. 3.1). Без кода муниципалитета — весь регион.

# %% tags=["parameters"]
year = None  # год более поздней процедуры; None — последний год в данных
municipality = None  # код муниципалитета; None — весь регион
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import commentary, plots
from soko import notebook as nb

ctx = nb.context(year, processed_dir, municipality, procedure="oge")  # год — по данным ОГЭ
cross = nb.derive.load("cross_schools", ctx.processed)
if ctx.municipality:
    cross = cross[cross["municipality_code"] == ctx.municipality]
cross = cross[cross["year_later"] == ctx.year]
PAIRS = {"vpr8_oge9": ("ВПР-8", "ОГЭ"), "oge9_ege11": ("ОГЭ", "ЕГЭ")}
SUBJECTS = {"ru": "русский язык", "ma": "математика"}

# %%
nb.say(f"""Показатель — средний первичный балл школы в процентах от максимального: он сопоставим между
разными работами. Точка на диаграмме — школа (размер — число участников); школы ниже диагонали
показали на более поздней процедуре с независимым наблюдением результат ниже, чем на ранней.
В таблицах — школы с наибольшим снижением; школы, где в одной из процедур менее {nb.min_group()} участников,
не показываются.""")

# %%
for code, (earlier, later) in PAIRS.items():
    for subject, subject_name in SUBJECTS.items():
        part = cross[(cross["comparison"] == code) & (cross["subject"] == subject)]
        nb.say(f"### {earlier} → {later}: {subject_name}")
        if part.empty:
            nb.say(f"Нет школ с результатами обеих процедур за {ctx.year} год.")
            continue
        nb.say(commentary.cross_summary(part, earlier, later))
        nb.show_figure(plots.compare_scatter(
            part[(part["n_earlier"] >= nb.min_group()) & (part["n_later"] >= nb.min_group())],
            "mean_score_share_earlier", "mean_score_share_later",
            xlabel=f"{earlier}, % от максимального балла", ylabel=f"{later}, % от максимального балла",
            title=f"{ctx.unit_name}: {earlier} → {later}, {subject_name}"))
        nb.show_cross(part, earlier, later)
