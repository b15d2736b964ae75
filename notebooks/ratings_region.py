# %% [markdown] tags=["remove-cell"]
# # Рейтинги школ и муниципалитетов с интервалами мест
#
# Шаблон страницы сборника (дорожная карта 004_*, 1.1.4). Только для внутреннего издания, если
# config/ratings.yml не разрешает иное (`audience`). Без кода муниципалитета — рейтинг школ региона
# и рейтинг муниципалитетов; с кодом — места школ муниципалитета среди всех школ региона.
# Вся логика — в `soko/ratings/` (docs/ratings.md).

# %% tags=["parameters"]
year = None  # год; None — последний год в данных
municipality = None  # код муниципалитета, например "03"; None — весь регион
processed_dir = None  # папка data/processed; None — папка проекта

# %%
from soko import notebook as nb
from soko.page import download_link, show_html
from soko.ratings import load_settings
from soko.ratings import report
from IPython.display import HTML, display

ctx = nb.context(year, processed_dir, municipality)
settings = load_settings()
mine = ctx.municipality  # None на странице региона
tables = {
    "schools": nb.derive.load("rating_schools", ctx.processed),
    "municipalities": nb.derive.load("rating_municipalities", ctx.processed),
}
nb.say(report.audience_note(settings))
nb.say(report.NOT_REAL.format(level=settings.interval))
nb.say(report.GROUP_RULE)

# %% [markdown]
# ## Рейтинг школ

# %%
rows = report.year_rows(tables["schools"], ctx.year)
shown = report.year_rows(tables["schools"], ctx.year, mine)
title = f"Места школ, {ctx.year}" + (f"\nцветом выделены школы: {ctx.unit_name}" if mine else "")
nb.say(report.summary(shown, "schools", ctx.unit_name, ctx.year))
if rows["place"].notna().any():
    nb.show_figure(report.caterpillar(rows, "schools", highlight=mine, title=title))
table = report.table_for_page(shown, settings, "schools")
show_html(table)
display(HTML(download_link(table, f"rating_schools_{ctx.year}{'_' + mine if mine else ''}.csv")))
nb.say(report.rule_text(settings, "schools"))

# %% [markdown]
# ## Рейтинг муниципалитетов

# %%
rows = report.year_rows(tables["municipalities"], ctx.year)
nb.say(report.summary(rows, "municipalities", "Регион", ctx.year))
if rows["place"].notna().any():
    nb.show_figure(report.caterpillar(rows, "municipalities", title=f"Места муниципалитетов, {ctx.year}"))
table = report.table_for_page(rows, settings, "municipalities")
show_html(table)
display(HTML(download_link(table, f"rating_municipalities_{ctx.year}.csv")))
nb.say(report.rule_text(settings, "municipalities"))
