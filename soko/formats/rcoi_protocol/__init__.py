"""ГИА (ОГЭ and ЕГЭ): what the two procedures share, used by ``oge.py`` and ``ege.py``.

Both arrive as РЦОИ participant protocols with the same layout except the result column
(ОГЭ: «Отметка», ЕГЭ: «Тестовый балл»), so one reader, one staging and one contract shape
serve both; :class:`~soko.formats.rcoi_protocol.kinds.GiaKind` holds what differs.
"""
