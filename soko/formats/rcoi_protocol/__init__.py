"""РЦОИ participant protocols: what the ГИА procedures (ОГЭ, ЕГЭ, ...) share.

They arrive as protocols with the same layout except the result column (ОГЭ: «Отметка»,
ЕГЭ: «Тестовый балл»), so one reader, one staging and one contract shape serve all of them.
A procedure package declares its :class:`~soko.formats.rcoi_protocol.kinds.GiaKind` (what
differs: result, grades, scales file, suite, raw folder, ...) and builds its procedure with
:func:`~soko.formats.rcoi_protocol.definition.gia_procedure`; the format never looks a kind
up by its code.
"""
