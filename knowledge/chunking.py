"""Structure-aware chunking.

* Regulations (Chinese statutes): one chunk per article 第X条, with its chapter 第X章 (and 第X节)
  in metadata; documents numbered 一、二、 are split per item. The preamble is its own chunk.
* Everything else: by Markdown heading (LangChain `MarkdownHeaderTextSplitter`), keeping the
  heading path; the deepest heading becomes `section`.
* Pieces longer than `max_chars` are split further by `RecursiveCharacterTextSplitter` on
  paragraph, line and sentence boundaries (Chinese 。！？； included), never mid-sentence if avoidable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUM = "零〇一二三四五六七八九十百千两0-9"
_ARTICLE = re.compile(rf"^\s*(第[{_NUM}]+条)(?:之[{_NUM}]+)?[\s　]*", re.M)
_CHAPTER = re.compile(rf"^\s*#*\s*(第[{_NUM}]+[章编])\s*(.*)$", re.M)
_SECTION = re.compile(rf"^\s*#*\s*(第[{_NUM}]+节)\s*(.*)$", re.M)
_ITEM = re.compile(r"^\s*([一二三四五六七八九十]{1,3})、", re.M)
_INFO_END = "<!-- INFO END -->"


@dataclass
class Chunk:
    """One retrievable piece of a document."""

    text: str
    section: str = ""
    heading_path: str = ""
    chapter: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _splitter(max_chars: int, overlap: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，", ", ", " ", ""],
        keep_separator="end",
    )


def _split_long(chunk: Chunk, max_chars: int, overlap: int) -> list[Chunk]:
    if len(chunk.text) <= max_chars:
        return [chunk]
    parts = _splitter(max_chars, overlap).split_text(chunk.text)
    return [
        Chunk(p.strip(), chunk.section, chunk.heading_path, chunk.chapter, dict(chunk.extra))
        for p in parts
        if p.strip()
    ]


def is_regulation(text: str) -> bool:
    """True when the text is organised in articles (at least three lines starting 第X条)."""
    return len(_ARTICLE.findall(text)) >= 3


def chunk_regulation(text: str, title: str) -> list[Chunk]:
    """One chunk per 第X条 with the current 第X章/第X节 remembered."""
    chunks: list[Chunk] = []
    chapter = part = ""
    if _INFO_END in text:
        pre, text = text.split(_INFO_END, 1)
        pre = re.sub(r"^#.*$", "", pre, flags=re.M).strip()
        if pre:
            chunks.append(Chunk(pre, section=title, heading_path=title))
    pending: list[str] = []
    current: Chunk | None = None

    def flush() -> None:
        nonlocal current, pending
        body = "\n".join(pending).strip()
        if current is not None and body:
            current.text = body
            chunks.append(current)
        elif current is None and body and not re.fullmatch(r"#.*", body):
            lines = [ln for ln in body.splitlines() if not ln.startswith("#")]
            if "".join(lines).strip():
                chunks.append(Chunk("\n".join(lines).strip(), section=title, heading_path=title))
        pending = []
        current = None

    for line in text.splitlines():
        mc = _CHAPTER.match(line)
        if mc and len(line) < 60:
            flush()
            chapter, part = f"{mc.group(1)} {mc.group(2)}".strip(), ""
            continue
        ms = _SECTION.match(line)
        if ms and len(line) < 60:
            flush()
            part = f"{ms.group(1)} {ms.group(2)}".strip()
            continue
        ma = _ARTICLE.match(line)
        if ma:
            flush()
            path = " > ".join(x for x in (chapter, part, ma.group(1)) if x)
            current = Chunk(
                "",
                section=ma.group(1),
                heading_path=path,
                chapter=chapter,
                extra={"part": part} if part else {},
            )
        if line.startswith("#") and current is None:
            continue
        pending.append(line)
    flush()
    return chunks


def chunk_items(text: str, title: str) -> list[Chunk] | None:
    """Documents numbered 一、二、三、 (notices): one chunk per item, section = the numeral."""
    if len(_ITEM.findall(text)) < 2:
        return None
    if _INFO_END in text:
        text = text.split(_INFO_END, 1)[1]
    matches = list(_ITEM.finditer(text))
    chunks: list[Chunk] = []
    head = re.sub(r"^#.*$", "", text[: matches[0].start()], flags=re.M).strip()
    if head:
        chunks.append(Chunk(head, section=title, heading_path=title))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.start() : end].strip()
        chunks.append(Chunk(body, section=m.group(1), heading_path=m.group(1)))
    return chunks


def chunk_markdown(text: str, title: str) -> list[Chunk]:
    """Split by headings (#..####); section = deepest heading, heading_path = 'A > B > C'."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    headers = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
    docs = MarkdownHeaderTextSplitter(headers, strip_headers=True).split_text(text)
    chunks: list[Chunk] = []
    for d in docs:
        path = [d.metadata[k] for k in ("h1", "h2", "h3", "h4") if d.metadata.get(k)]
        body = d.page_content.strip()
        if not body:
            continue
        section = path[-1] if path else title
        chunks.append(Chunk(body, section=section, heading_path=" > ".join(path)))
    return chunks


def chunk_document(text: str, title: str, max_chars: int = 800, overlap: int = 0) -> list[Chunk]:
    """Choose the structure (articles, numbered items, headings) and bound the chunk size."""
    if is_regulation(text):
        base = chunk_regulation(text, title)
    else:
        base = chunk_items(text, title) if re.search(r"[\u4e00-\u9fff]", text[:2000]) else None
        if not base:
            base = chunk_markdown(text, title)
    out: list[Chunk] = []
    for c in base:
        out.extend(_split_long(c, max_chars, overlap))
    return out or [Chunk(text[:max_chars], section=title, heading_path=title)]
