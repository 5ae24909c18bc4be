"""Ingestion: walk folders, skip unchanged files by content hash, load, chunk, tokenise, embed, store."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from knowledge.chunking import chunk_document
from knowledge.loaders import SUPPORTED, EmptyDocument, load_file
from knowledge.models import DocumentInfo, IngestReport
from knowledge.store import KnowledgeStore, contextual_text
from knowledge.text import detect_language, tokenize

#: Bump when loading/chunking/tokenising changes, so that unchanged files are re-processed once.
PIPELINE_VERSION = "4"
_SKIP_NAMES = {"LICENSE.md", "LICENSE", "README.md"}


def content_hash(data: bytes, audience: str | None = None) -> str:
    """Document version: file bytes + pipeline version (+ an explicit audience override)."""
    h = hashlib.sha256()
    h.update(f"v{PIPELINE_VERSION}|{audience or ''}|".encode())
    h.update(data)
    return h.hexdigest()


def prepare(path: Path, source: str, audience: str | None = None) -> dict:
    """Load and chunk one file into the arguments of `KnowledgeStore.put_document` (no embedding)."""
    doc = load_file(path, source)
    language = detect_language(doc.text[:5000])
    aud = (audience or doc.audience or "all").lower()
    chunks = []
    for c in chunk_document(doc.text, doc.title):
        meta = {
            "section": c.section or doc.title,
            "heading_path": c.heading_path,
            "chapter": c.chapter,
            "language": detect_language(c.text) if len(c.text) > 40 else language,
        }
        meta.update(c.extra)
        if doc.meta.get("translation_of"):  # front matter: the source of the document this translates
            meta["translation_of"] = str(doc.meta["translation_of"]).strip()
        ctx = contextual_text(doc.title, c.heading_path, c.text)
        chunks.append({"text": c.text, "meta": meta, "tokens": tokenize(ctx), "embed": ctx})
    return {"source": source, "title": doc.title, "language": language, "audience": aud, "chunks": chunks}


def ingest_one(
    store: KnowledgeStore, path: Path, source: str, audience: str | None = None, data: bytes | None = None
) -> DocumentInfo:
    """Add or replace one document; unchanged content (same hash) does no work."""
    data = path.read_bytes() if data is None else data
    h = content_hash(data, audience)
    if store.document_hash(source) == h:
        return next(d for d in store.list_documents() if d.source == source)
    p = prepare(path, source, audience)
    vectors = store.embeddings.embed_array([c.pop("embed") for c in p["chunks"]])
    return store.put_document(p["source"], p["title"], p["language"], p["audience"], h, p["chunks"], vectors)


def _walk(paths: list[Path], base: Path | None) -> list[tuple[Path, str, str]]:
    """(file, source, prefix-of-ingested-folder) for every supported file, sorted."""
    out = []
    for p in paths:
        p = p.resolve()
        if p.is_dir():
            root = (base or p).resolve()
            prefix = p.relative_to(root).as_posix() if p != root else ""
            for f in sorted(p.rglob("*")):
                if (
                    f.is_file()
                    and f.suffix.lower() in SUPPORTED
                    and f.name not in _SKIP_NAMES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                ):
                    out.append((f, f.relative_to(root).as_posix(), prefix))
        elif p.is_file():
            root = (base or p.parent).resolve()
            out.append((p, p.relative_to(root).as_posix(), None))
        else:
            raise FileNotFoundError(p)
    return out


def ingest_paths(
    store: KnowledgeStore,
    paths: list[Path],
    base: Path | None = None,
    progress: bool = True,
    prune: bool = False,
) -> IngestReport:
    """Ingest files/folders; report added/updated/unchanged/removed/failed."""
    from tqdm import tqdm

    t0 = time.perf_counter()
    rep = IngestReport()
    files = _walk(paths, base)
    known = {d.source: d.content_hash for d in store.list_documents()}
    seen: set[str] = set()
    prefixes = {pre for _, _, pre in files if pre is not None}
    for f, source, _ in tqdm(files, desc="ingest", unit="file", disable=not progress):
        seen.add(source)
        try:
            data = f.read_bytes()
            h = content_hash(data)
            if known.get(source) == h:
                rep.unchanged.append(source)
                continue
            p = prepare(f, source)
            vectors = store.embeddings.embed_array([c.pop("embed") for c in p["chunks"]])
            store.put_document(p["source"], p["title"], p["language"], p["audience"], h, p["chunks"], vectors)
            rep.chunks_embedded += len(p["chunks"])
            (rep.updated if source in known else rep.added).append(source)
        except EmptyDocument:
            rep.skipped.append(source)
            if source in known:  # emptied since last time: serve nothing stale
                store.remove(source)
                rep.removed.append(source)
        except Exception as exc:  # one bad file must not stop a folder ingest
            rep.failed[source] = f"{type(exc).__name__}: {exc}"
    if prune:
        for source in known:
            in_scope = any(pre == "" or source.startswith(pre + "/") for pre in prefixes)
            if in_scope and source not in seen:
                store.remove(source)
                rep.removed.append(source)
    rep.seconds = time.perf_counter() - t0
    return rep
