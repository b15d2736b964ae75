"""Assessment procedures: one package per procedure, all of the same shape.

``soko/procedures/<code>/__init__.py`` defines ``PROCEDURE = Procedure(...)``
(:class:`soko.procedure.Procedure`): its canonical tables, ingester, derived tables, demo
generator and rows for the analytic base; its page helpers are its public ``pages`` module
where it has one. Procedures never import each other: what several share is a public module
in :mod:`soko.formats`. :mod:`soko.registry` finds the packages; nothing below it does.
See docs/architecture.md.
"""
