"""Turning normalised bot messages into Telegram messages (plain text, no parse mode: nothing to escape)."""

from __future__ import annotations

from typing import Any

from connectors.rasa_client import BotMessage

# Telegram's limit is 4096 characters (UTF-16 code units); keep a margin for the choice marker.
TELEGRAM_LIMIT = 4096
SAFE_LIMIT = 4000
CALLBACK_DATA_LIMIT = 64
KEY_PREFIX = "#k:"


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_split(text: str, limit: int) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if tg_len(cur) + tg_len(ch) > limit:
            out.append(cur)
            cur = ""
        cur += ch
    if cur:
        out.append(cur)
    return out


def split_text(text: str, limit: int = SAFE_LIMIT) -> list[str]:
    """Split on paragraph boundaries (then lines, then characters) into chunks of at most ``limit``."""
    text = text.strip()
    if not text:
        return []
    if tg_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for para in text.split("\n\n"):
        if tg_len(para) <= limit:
            pieces.append(para)
            continue
        for line in para.split("\n"):
            pieces.extend([line] if tg_len(line) <= limit else _hard_split(line, limit))
    chunks: list[str] = []
    cur = ""
    for piece in pieces:
        sep = "\n\n" if cur else ""
        if cur and tg_len(cur) + tg_len(sep) + tg_len(piece) > limit:
            chunks.append(cur)
            cur, sep = "", ""
        cur += sep + piece
    if cur.strip():
        chunks.append(cur)
    return [c.strip("\n") for c in chunks if c.strip()]


def _list_line(item: Any) -> str:
    if isinstance(item, dict):
        return " · ".join(f"{k}: {v}" for k, v in item.items() if v not in (None, ""))
    return str(item)


def citation_line(cit: dict[str, str]) -> str:
    title = cit.get("title") or cit.get("source") or ""
    section = cit.get("section") or ""
    where = cit.get("url") or cit.get("source") or ""
    line = f"📄 {title}"
    if section:
        line += f" — {section}"
    if where and where != title:
        line += f" ({where})"
    return line


def render_text(msg: BotMessage, lang: str | None) -> str:
    """Text, then list items as bullets, then citations as text lines."""
    parts = [msg.get("text", "").strip()]
    items = msg.get("list") or []
    if items:
        parts.append("\n".join(f"• {_list_line(i)}" for i in items))
    cits = msg.get("citations") or []
    if cits:
        head = "来源：" if lang == "zh" else "Sources:"
        parts.append(head + "\n" + "\n".join(citation_line(c) for c in cits))
    return "\n\n".join(p for p in parts if p)


def needs_key(payload: str) -> bool:
    """Payloads over 64 bytes (or that look like our keys) go through the short-id table."""
    return len(payload.encode()) > CALLBACK_DATA_LIMIT or payload.startswith(KEY_PREFIX)
