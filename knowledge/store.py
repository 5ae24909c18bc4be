"""Persistent store: Chroma (vectors) + a SQLite document registry (versions, chunk texts, BM25
tokens) + an in-memory BM25 index rebuilt from the registry.

Consistency (why readers never see stale, duplicate or mixed versions)
---------------------------------------------------------------------
Chunk ids are deterministic: ``sha1(source)[:16] + ":" + chunk_index``. Replacing a document:

1. embed the new chunks (no store touched yet; a failure leaves the old version fully served);
2. ``upsert`` them into Chroma: ids 0..n-1 are overwritten, each carrying the new content_hash;
3. in ONE SQLite transaction replace the document's registry row and chunk rows and bump the
   store ``generation`` -- this commit is the switch point between versions;
4. delete the leftover Chroma ids n..m-1 of the old version (m = old chunk count).

Readers take chunk text and metadata only from the registry snapshot of one generation (the BM25
index is built from the same snapshot) and use Chroma only for vector ranking: a Chroma hit is
kept only if its id is in the snapshot with the SAME content_hash. Before step 3 the snapshot is
the old version (any chunk already overwritten in Chroma is ignored: fewer dense candidates, never
a mix); after step 3 it is the new version (old leftovers in Chroma are ignored until step 4
deletes them). Removal deletes the registry rows first (switch), then the Chroma ids. A crash
between steps leaves only orphans that readers ignore and the next ingest/reindex cleans.
Other processes notice a new generation with one cheap SELECT per query and reload the snapshot.

Several processes on one on-disk store (the gateway's admin page writes while the action server
answers): embedded Chroma keeps its vector index in memory per process and does not see another
process's writes; its stale index can even return ids that were since deleted ("Error finding id").
So a reader that sees a generation it did not write itself reopens Chroma from disk (Chroma replays
its write-ahead log there), once per change. Chroma's server mode (KNOWLEDGE_CHROMA_URL) has no such
issue and skips this.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

import numpy as np

from knowledge.models import DocumentInfo, IngestReport
from knowledge.settings import KnowledgeSettings

log = logging.getLogger(__name__)
#: stores up to this many vectors are searched exactly (numpy), larger ones through Chroma's HNSW
EXACT_DENSE_UP_TO = 50_000
#: dimension of the English encoder's vectors (`knowledge.minilm`)
EN_DIM = 384
#: English-encoder vectors kept in memory at most (~75 MB; a whole corpus' worth is far fewer)
EN_CACHE_MAX = 50_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, title TEXT NOT NULL, language TEXT NOT NULL, audience TEXT NOT NULL,
    content_hash TEXT NOT NULL, chunk_count INTEGER NOT NULL, indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, chunk_index INTEGER NOT NULL,
    content_hash TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL, tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def chunk_id(source: str, index: int) -> str:
    """Deterministic id: the same source and position always map to the same Chroma id."""
    return f"{hashlib.sha1(source.encode('utf-8')).hexdigest()[:16]}:{index}"


@dataclass
class StoredChunk:
    """A chunk as served to readers (from the registry snapshot)."""

    id: str
    source: str
    chunk_index: int
    content_hash: str
    text: str
    meta: dict[str, str]
    tokens: list[str]

    def embed_text(self) -> str:
        """What we embed and index: title and heading path give the passage its context."""
        return contextual_text(self.meta.get("title", ""), self.meta.get("heading_path", ""), self.text)


def contextual_text(title: str, heading_path: str, text: str) -> str:
    """Title and heading path prepended to the passage (for embedding and BM25 only)."""
    parts = [p for p in (title, heading_path) if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    head = " > ".join(parts)
    return f"{head}\n{text}" if head else text


class BM25Index:
    """Okapi BM25 over an inverted index (numpy), fast at 100k chunks unlike a per-doc loop."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(lengths.mean()) if self.n else 1.0
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        for i, doc in enumerate(docs):
            for t in doc:
                postings[t][i] = postings[t].get(i, 0) + 1
        self.norm = (k1 * (1 - b + b * lengths / max(self.avgdl, 1e-9))).astype(np.float32)
        self.post: dict[str, tuple[np.ndarray, np.ndarray]] = {
            t: (np.fromiter(p.keys(), np.int32, len(p)), np.fromiter(p.values(), np.float32, len(p)))
            for t, p in postings.items()
        }

    def idf(self, term: str) -> float:
        """BM25+ style idf (always > 0)."""
        df = len(self.post[term][0]) if term in self.post else 0
        return float(np.log(1 + (self.n - df + 0.5) / (df + 0.5)))

    def scores(self, terms: list[str], weights: list[float] | None = None) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for j, t in enumerate(terms):
            if t not in self.post:
                continue
            ids, tf = self.post[t]
            w = weights[j] if weights else 1.0
            out[ids] += w * self.idf(t) * tf * (self.k1 + 1) / (tf + self.norm[ids])
        return out


class Snapshot:
    """Chunks of one registry generation and their BM25 index."""

    def __init__(self, generation: int, chunks: list[StoredChunk]) -> None:
        self.generation = generation
        self.chunks = chunks
        self.by_id = {c.id: i for i, c in enumerate(chunks)}
        self.bm25 = BM25Index([c.tokens for c in chunks])


class KnowledgeStore:
    """Chroma collection + registry; all writes go through `put_document` / `remove`."""

    def __init__(self, settings: KnowledgeSettings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._embeddings = None
        self._en_embeddings = None
        self._en_cache: dict[tuple[str, str], np.ndarray] = {}
        self._vs = None
        #: the generation the open Chroma client is known to reflect (see module docstring)
        self._vs_generation = -1
        path = settings.registry_path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db_path = path
        with self._db() as db:
            db.executescript(_SCHEMA)
        self._retokenize_if_needed(self._teach_glossary_words())

    # ------------------------------------------------------------ plumbing
    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._db_path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    @property
    def embeddings(self):
        """The LangChain `Embeddings` (USE); the model itself loads on first embed."""
        if self._embeddings is None:
            from knowledge.embeddings import USEEmbeddings

            self._embeddings = USEEmbeddings(threads=self.settings.knowledge_embed_threads)
        return self._embeddings

    @property
    def en_embeddings(self):
        """The English encoder (MiniLM), or None when its wheel is not installed."""
        if self._en_embeddings is None:
            from knowledge import minilm

            self._en_embeddings = minilm.MiniLMEmbeddings() if minilm.available() else False
        return self._en_embeddings or None

    def en_vectors(self, chunks: list[StoredChunk]) -> np.ndarray | None:
        """English-encoder vectors of a few chunks (those an English answer is graded on), embedded
        on first use and kept in memory by (id, content_hash), so that a new version of a chunk is
        embedded anew. Not stored at ingestion: that made ingesting the corpus ~6x slower for the
        three passages an answer needs. None without the model."""
        enc = self.en_embeddings
        if enc is None:
            return None
        out = np.zeros((len(chunks), EN_DIM), np.float32)
        todo = []
        for j, c in enumerate(chunks):
            vec = self._en_cache.get((c.id, c.content_hash))
            if vec is None:
                todo.append(j)
            else:
                out[j] = vec
        if todo:
            vecs = enc.embed_array([chunks[j].embed_text() for j in todo])
            if len(self._en_cache) + len(todo) > EN_CACHE_MAX:
                self._en_cache.clear()
            for j, v in zip(todo, vecs, strict=True):
                out[j] = v
                self._en_cache[(chunks[j].id, chunks[j].content_hash)] = v
        return out

    @property
    def vectorstore(self):
        """LangChain `Chroma` over our collection (cosine space, our embedding function only)."""
        if self._vs is None:
            with self._lock:
                if self._vs is None:
                    from langchain_chroma import Chroma

                    self._vs_generation = self.generation()
                    self._vs = Chroma(
                        client=self._client(),
                        collection_name=self.settings.knowledge_collection,
                        embedding_function=self.embeddings,
                        collection_metadata={"hnsw:space": "cosine"},
                    )
        return self._vs

    @property
    def collection(self):
        return self.vectorstore._collection

    def _client(self):
        import chromadb
        from chromadb.config import Settings

        cfg = Settings(anonymized_telemetry=False)
        url = self.settings.knowledge_chroma_url
        if url:
            u = urlparse(url)
            return chromadb.HttpClient(
                host=u.hostname or "127.0.0.1",
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=cfg,
            )
        self.settings.knowledge_chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.settings.knowledge_chroma_path), settings=cfg)

    def _follow_other_writers(self, generation: int) -> None:
        """Reopen embedded Chroma if another process changed the store since it was opened."""
        if self._vs is None or self._vs_generation == generation or self.settings.knowledge_chroma_url:
            return
        with self._lock:
            if self._vs is None or self._vs_generation == generation:
                return
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # the next client loads the index from disk
            self._vs = None

    def _wrote(self, db: sqlite3.Connection) -> None:
        """After our own write the open client is current: no reopen for this generation."""
        row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        self._vs_generation = int(row[0]) if row else 0

    def _teach_glossary_words(self) -> str:
        """Teach jieba the glossary's Chinese terms before anything is tokenized, so that chunks
        and questions split alike whichever process ingests; returns what stored tokens depend
        on (tokenizer version + those terms)."""
        from knowledge.retrieval import Glossary
        from knowledge.text import TOKENIZER_VERSION, add_words

        words = sorted({t for grp in Glossary.load(self.settings.knowledge_glossary).groups for t in grp})
        words = add_words(words)
        return f"{TOKENIZER_VERSION}:{hashlib.sha1(chr(10).join(words).encode('utf-8')).hexdigest()[:12]}"

    def _retokenize_if_needed(self, key: str) -> None:
        """BM25 tokens are stored at ingestion. When the tokenizer or the glossary's terms changed
        since, recompute them from the stored texts in one transaction (no re-embedding), so that
        stored chunks and new questions are tokenized alike; readers reload on the generation bump."""
        from knowledge.text import tokenize

        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key='tokenizer'").fetchone()
            if row and row[0] == key:
                return
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT value FROM meta WHERE key='tokenizer'").fetchone()
            if row and row[0] == key:  # another process did it meanwhile
                db.execute("COMMIT")
                return
            rows = db.execute("SELECT id, text, meta FROM chunks").fetchall()
            if rows:
                log.info("re-tokenizing %d chunks (tokenizer or glossary changed: %s)", len(rows), key)
                updates = []
                for cid, text, meta in rows:
                    m = json.loads(meta)
                    ctx = contextual_text(m.get("title", ""), m.get("heading_path", ""), text)
                    updates.append((" ".join(tokenize(ctx)), cid))
                db.executemany("UPDATE chunks SET tokens=? WHERE id=?", updates)
                self._bump(db)
            db.execute(
                "INSERT INTO meta VALUES ('tokenizer', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key,),
            )
            db.execute("COMMIT")

    def generation(self) -> int:
        with self._db() as db:
            row = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> Snapshot:
        """Current chunks + BM25; reloaded only when another write bumped the generation."""
        gen = self.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == gen:
            return snap
        with self._lock:
            if self._snapshot is not None and self._snapshot.generation == gen:
                return self._snapshot
            with self._db() as db:
                db.execute("BEGIN")
                gen = int((db.execute("SELECT value FROM meta WHERE key='generation'").fetchone() or (0,))[0])
                rows = db.execute(
                    "SELECT id, source, chunk_index, content_hash, text, meta, tokens "
                    "FROM chunks ORDER BY source, chunk_index"
                ).fetchall()
                db.execute("COMMIT")
            chunks = [
                StoredChunk(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6].split(" ")) for r in rows
            ]
            self._snapshot = Snapshot(gen, chunks)
            return self._snapshot

    # ------------------------------------------------------------ reads
    def document_hash(self, source: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT content_hash FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def list_documents(self) -> list[DocumentInfo]:
        with self._db() as db:
            rows = db.execute(
                "SELECT source, title, language, audience, content_hash, chunk_count, "
                "indexed_at FROM documents ORDER BY source"
            ).fetchall()
        return [
            DocumentInfo(
                source=r[0],
                title=r[1],
                language=r[2],
                audience=r[3],
                content_hash=r[4],
                chunk_count=r[5],
                indexed_at=datetime.fromisoformat(r[6]),
            )
            for r in rows
        ]

    def dense_query(self, vector: np.ndarray, k: int) -> list[tuple[str, float, str]]:
        """(chunk id, cosine similarity, content_hash) best first, unfiltered: metadata filters in
        Chroma cost ~50x more than a plain k-NN query, so language/audience are handled in Python."""
        self._follow_other_writers(self.generation())
        n = self._vector_count()
        if n == 0:
            return []
        if n <= EXACT_DENSE_UP_TO:
            ids, hashes, matrix = self._dense_matrix()
            if len(ids):
                sims = matrix @ vector.astype(np.float32)
                top = np.argsort(-sims)[: min(k, len(ids))]
                return [(ids[i], float(sims[i]), hashes[i]) for i in top]
        res = self.collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, n), include=["metadatas", "distances"]
        )
        out = []
        snap_hash = res["metadatas"][0]
        for cid, meta, dist in zip(res["ids"][0], snap_hash, res["distances"][0], strict=False):
            out.append((cid, 1.0 - float(dist), (meta or {}).get("content_hash", "")))
        return out

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id: from the exact-search matrix when it is loaded (a Chroma
        `get` of a few dozen ids costs tens of milliseconds), else from Chroma."""
        if self._vector_count() <= EXACT_DENSE_UP_TO:
            all_ids, _, matrix = self._dense_matrix()
            row = getattr(self, "_row_cache", None)
            if row is None or row[0] is not all_ids:
                row = (all_ids, {cid: i for i, cid in enumerate(all_ids)})
                self._row_cache = row
            return {cid: matrix[row[1][cid]] for cid in ids if cid in row[1]}
        got = self.collection.get(ids=ids, include=["embeddings"])
        return {
            cid: np.asarray(v, dtype=np.float32)
            for cid, v in zip(got["ids"], got["embeddings"], strict=False)
        }

    def _dense_matrix(self) -> tuple[list[str], list[str], np.ndarray]:
        """Every stored vector as one matrix, cached per registry generation: an exact search over
        a small store (HNSW's approximate neighbours missed right passages on the held-out tuning
        questions; brute force over ~5k vectors takes about a millisecond)."""
        gen = self.generation()
        cached = getattr(self, "_matrix_cache", None)
        if cached is None or cached[0] != gen:
            got = self.collection.get(include=["embeddings", "metadatas"])
            ids = list(got["ids"])
            hashes = [(m or {}).get("content_hash", "") for m in got["metadatas"]]
            emb = got["embeddings"]
            matrix = np.asarray(emb, dtype=np.float32) if len(ids) else np.zeros((0, 1), np.float32)
            if len(ids):
                matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
            cached = (gen, ids, hashes, matrix)
            self._matrix_cache = cached
        return cached[1], cached[2], cached[3]

    def _vector_count(self) -> int:
        """Vectors in Chroma, cached per registry generation (count() costs ~8 ms at 100k)."""
        gen = self.generation()
        cached = getattr(self, "_count_cache", None)
        if cached is None or cached[0] != gen:
            cached = (gen, self.collection.count())
            self._count_cache = cached
        return cached[1]

    # ------------------------------------------------------------ writes
    def put_document(
        self,
        source: str,
        title: str,
        language: str,
        audience: str,
        content_hash: str,
        chunks: list[dict],
        vectors: np.ndarray | None = None,
    ) -> DocumentInfo:
        """Add or replace one document's chunks (see the module docstring for the protocol).

        `chunks`: dicts with text, tokens (list[str]) and meta (str values: section, heading_path,
        chapter, ...). `vectors`: their embeddings (computed here if None).
        """
        if vectors is None:
            vectors = self.embeddings.embed_array(
                [contextual_text(title, c["meta"].get("heading_path", ""), c["text"]) for c in chunks]
            )
        self._follow_other_writers(self.generation())
        now = datetime.now(timezone.utc).replace(microsecond=0)
        ids = [chunk_id(source, i) for i in range(len(chunks))]
        metas = []
        for i, c in enumerate(chunks):
            m = {k: str(v) for k, v in c["meta"].items()}
            m.update(
                source=source,
                title=title,
                language=c["meta"].get("language", language),
                audience=audience,
                content_hash=content_hash,
                chunk_index=str(i),
            )
            metas.append(m)
        with self._lock:
            with self._db() as db:
                row = db.execute("SELECT chunk_count FROM documents WHERE source=?", (source,)).fetchone()
            old_count = row[0] if row else 0
            for start in range(0, len(ids), 500):  # step 2
                sl = slice(start, start + 500)
                self.collection.upsert(
                    ids=ids[sl],
                    embeddings=vectors[sl].tolist(),
                    documents=[c["text"] for c in chunks[sl]],
                    metadatas=metas[sl],
                )
            with self._db() as db:  # step 3: the switch
                db.execute("BEGIN IMMEDIATE")
                db.execute("DELETE FROM chunks WHERE source=?", (source,))
                db.executemany(
                    "INSERT INTO chunks VALUES (?,?,?,?,?,?,?)",
                    [
                        (
                            ids[i],
                            source,
                            i,
                            content_hash,
                            c["text"],
                            json.dumps(metas[i], ensure_ascii=False),
                            " ".join(c["tokens"]),
                        )
                        for i, c in enumerate(chunks)
                    ],
                )
                db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)",
                    (source, title, language, audience, content_hash, len(chunks), now.isoformat()),
                )
                self._bump(db)
                db.execute("COMMIT")
                self._wrote(db)
            leftovers = [chunk_id(source, i) for i in range(len(chunks), old_count)]
            if leftovers:  # step 4
                self.collection.delete(ids=leftovers)
        return DocumentInfo(
            source=source,
            title=title,
            language=language,
            audience=audience,
            content_hash=content_hash,
            chunk_count=len(chunks),
            indexed_at=now,
        )

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET "
            "value = CAST(value AS INTEGER) + 1"
        )

    def remove(self, source: str) -> int:
        """Remove a document: registry first (readers stop serving it), then its vectors."""
        self._follow_other_writers(self.generation())
        with self._lock:
            with self._db() as db:
                db.execute("BEGIN IMMEDIATE")
                row = db.execute("SELECT chunk_count FROM documents WHERE source=?", (source,)).fetchone()
                if row is None:
                    db.execute("ROLLBACK")
                    return 0
                db.execute("DELETE FROM chunks WHERE source=?", (source,))
                db.execute("DELETE FROM documents WHERE source=?", (source,))
                self._bump(db)
                db.execute("COMMIT")
                self._wrote(db)
            if row[0]:
                self.collection.delete(ids=[chunk_id(source, i) for i in range(row[0])])
            return int(row[0])

    def reindex(self, progress: bool = False) -> IngestReport:
        """Re-embed every registry chunk into Chroma, delete orphan vectors, rebuild BM25."""
        t0 = time.perf_counter()
        with self._lock:
            snap = self.snapshot()
            chunks = snap.chunks
            from tqdm import tqdm

            bar = tqdm(total=len(chunks), desc="reindex", unit="chunk", disable=not progress)
            for start in range(0, len(chunks), 256):
                part = chunks[start : start + 256]
                vec = self.embeddings.embed_array([c.embed_text() for c in part])
                self.collection.upsert(
                    ids=[c.id for c in part],
                    embeddings=vec.tolist(),
                    documents=[c.text for c in part],
                    metadatas=[c.meta for c in part],
                )
                bar.update(len(part))
            bar.close()
            self.delete_orphans()
            with self._db() as db:
                self._bump(db)
                self._wrote(db)
            self._snapshot = None
        return IngestReport(
            unchanged=sorted({c.source for c in chunks}),
            chunks_embedded=len(chunks),
            seconds=time.perf_counter() - t0,
        )

    def delete_orphans(self) -> int:
        """Delete vectors whose id is not in the registry (left by a crash mid-write)."""
        known = set(self.snapshot().by_id)
        existing = self.collection.get(include=[])["ids"]
        orphans = [i for i in existing if i not in known]
        for start in range(0, len(orphans), 1000):
            self.collection.delete(ids=orphans[start : start + 1000])
        return len(orphans)
