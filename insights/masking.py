"""Mask personal data in free text before it is stored for insights.

Questions are kept so curators can read what employees ask, but an id, a phone number, an e-mail
address, a national id or an amount of money in them says who asked or something personal about
them. The rules are the project's one list for free text, in ``personnel/sensitive.py``.
"""

from __future__ import annotations

from personnel.sensitive import mask_free_text as mask

__all__ = ["mask"]
