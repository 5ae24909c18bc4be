"""Load a file into clean, structure-preserving text (Markdown-like) plus document metadata.

PDF and DOCX are read with pypdf and docx2txt (what LangChain's community loaders wrapped; that
package is being sunset), plain text in its detected encoding (charset-normalizer); Markdown is
read as text and cleaned (front matter parsed then dropped, Liquid/Jinja tags removed, links and
inline HTML reduced to their text); HTML is converted to Markdown headings/paragraphs with
BeautifulSoup so that the heading splitter sees the same structure for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}

_FRONT = re.compile(r"\A\ufeff?---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_LIQUID_BLOCK = re.compile(r"\{%-?\s*(comment|raw)\s*-?%\}.*?\{%-?\s*end\1\s*-?%\}", re.S)
_LIQUID = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REFLINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REFDEF = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_KRAMDOWN = re.compile(r"\{:[^}]*\}")
_BLANKS = re.compile(r"\n{3,}")
_DATE_SUFFIX = re.compile(r"\s*[（(]\d{4}-\d{2}-\d{2}[)）]\s*$")


class EmptyDocument(ValueError):
    """The file holds no text (e.g. a redirect stub): skipped, not failed."""


@dataclass
class LoadedDoc:
    """Clean text of one file with what we learned about it."""

    text: str
    title: str
    audience: str = "all"
    meta: dict[str, object] = field(default_factory=dict)


def clean_markdown(text: str) -> tuple[str, dict[str, object]]:
    """Return (markdown without front matter / template tags / link targets, front matter dict)."""
    front: dict[str, object] = {}
    m = _FRONT.match(text)
    if m:
        try:
            loaded = yaml.safe_load(m.group(1))
            front = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            front = {}
        text = text[m.end() :]
    text = _LIQUID_BLOCK.sub("", text)
    text = _LIQUID.sub("", text)
    text = _COMMENT.sub("", text)
    text = _IMAGE.sub(lambda mm: mm.group(1), text)
    text = _LINK.sub(lambda mm: mm.group(1), text)
    text = _REFLINK.sub(lambda mm: mm.group(1), text)
    text = _REFDEF.sub("", text)
    text = _TAG.sub("", text)
    text = _KRAMDOWN.sub("", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&")
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANKS.sub("\n\n", text).strip(), front


def html_to_markdown(html: str) -> tuple[str, str | None]:
    """(Markdown with #-headings, paragraphs and list items; the <title>) from an HTML page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for bad in soup(["script", "style", "nav", "footer", "header", "noscript", "head"]):
        bad.decompose()
    lines: list[str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "th", "dt", "dd"]):
        if el.find_parent(["p", "li", "td", "th", "dd", "pre"]) is not None:
            continue  # nested: already included through its parent's text
        txt = el.get_text(" ", strip=True)
        if not txt:
            continue
        name = el.name
        if name.startswith("h"):
            lines.append("\n" + "#" * int(name[1]) + " " + txt + "\n")
        elif name == "li":
            lines.append("- " + txt)
        else:
            lines.append(txt + "\n")
    if not lines:  # no block structure: all the text
        lines = [soup.get_text("\n", strip=True)]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip(), title


def audience_from_path(source: str) -> str | None:
    """Folder convention: a folder named `<tag>-only` (e.g. `hr-only/`) tags its files `<tag>`."""
    for part in PurePosixPath(source).parts[:-1]:
        if part.endswith("-only") and len(part) > 5:
            return part[:-5].lower()
    return None


def title_from_filename(path: Path) -> str:
    """`劳动法(2018-12-29).md` -> `劳动法`; `paid-parental-leave.md` -> `Paid parental leave`."""
    stem = _DATE_SUFFIX.sub("", path.stem)
    if re.search(r"[\u4e00-\u9fff]", stem):
        return stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or path.name


def _first_heading(text: str) -> str | None:
    m = re.search(r"^#{1,2}\s+(.+?)\s*#*\s*$", text, re.M)
    return m.group(1).strip() if m else None


def _read_text(path: Path) -> str:
    """A plain-text file in whatever encoding it was saved in (GBK files are common in China)."""
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise ValueError("the text file's encoding could not be recognised")
    return str(best)


def load_file(path: Path, source: str) -> LoadedDoc:
    """Load any supported file; raises ValueError for unsupported types or empty documents."""
    suffix = path.suffix.lower()
    front: dict[str, object] = {}
    if suffix in (".md", ".markdown"):
        text, front = clean_markdown(path.read_text(encoding="utf-8"))
        html_title = None
    elif suffix in (".html", ".htm"):
        raw = path.read_text(encoding="utf-8", errors="replace")
        text, html_title = html_to_markdown(raw)
    elif suffix == ".pdf":
        from pypdf import PdfReader

        text, html_title = "\n\n".join(page.extract_text() or "" for page in PdfReader(path).pages), None
    elif suffix == ".docx":
        import docx2txt

        text, html_title = docx2txt.process(str(path)) or "", None
    elif suffix == ".txt":
        text, html_title = _read_text(path), None
    else:
        raise ValueError(f"unsupported file type: {suffix}")
    text = _BLANKS.sub("\n\n", text.replace("\r\n", "\n")).strip()
    if not text:
        raise EmptyDocument("no text could be extracted")
    title = str(front.get("title") or html_title or _first_heading(text) or title_from_filename(path))
    audience = str(front.get("audience") or audience_from_path(source) or "all").strip().lower()
    return LoadedDoc(text=text, title=title.strip(), audience=audience, meta=front)
