"""Hybrid retrieval: dense (USE via Chroma) + BM25 (jieba / stemmed words) + HR glossary expansion,
fused by reciprocal rank fusion, with a preference (never a filter) for the user's language.

Confidence: ranks are not comparable across queries, so the score we calibrate and show is an
absolute relevance of a passage to the query, `relevance = (1-A)*cosine + A*coverage` where cosine
is the USE cosine (same scale for every query) and coverage is the share of the query's IDF mass
(glossary expansions included at a lower weight) that the passage contains. Both lie in 0..1, so
one threshold (calibrated on the dev set, answerable vs unanswerable questions) applies to every
question. Cross-language hits have low lexical coverage, so their relevance leans on the cosine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from knowledge.models import Source
from knowledge.settings import KnowledgeSettings
from knowledge.store import KnowledgeStore, Snapshot, StoredChunk
from knowledge.text import detect_language, expected_answer, heading_tokens, states, tokenize


@dataclass
class RetrievalConfig:
    """Switches used by the evaluation to compare methods; defaults are the shipped method."""

    dense: bool = True
    bm25: bool = True
    glossary: bool = True
    lang_pref: bool = True
    #: correct spelling slips towards the documents' words first (`knowledge.spelling`)
    spelling: bool = True
    #: gloss the words of a mixed-language question that are in the other language ("my 年终
    #: award") in the question's own language, through the same dictionary (see `gloss`)
    gloss: bool = True
    rrf_k: int = 60
    dense_weight: float = 0.7
    bm25_weight: float = 1.0
    expansion_weight: float = 0.4
    lang_boost: float = 0.25
    #: expansions into the other language (they find documents in that language) weigh less
    other_lang_expansion: float = 0.5
    relevance_lexical: float = 0.5
    candidates: int = 60
    #: final order = RRF score x (relevance_mix + relevance): rank fusion alone ignores how much of
    #: the question a passage covers, which matters when few passages compete
    relevance_mix: float = 1.0
    #: boost x share of the question found in the passage's section heading / heading path: in a
    #: handbook the heading names the topic ("Cancelling transit benefit", "Sick leave")
    heading_boost: float = 0.3
    #: boost when the question asks "how long / how many" and the passage states a duration / amount
    answer_type_boost: float = 0.05
    #: dictionary translation of the question (CC-CEDICT): a BM25 ranking of the other language's
    #: passages by the translated words, fused like the others, and coverage credited through them
    translate: bool = True
    translation_weight: float = 0.6
    #: share of a question word's weight credited when a passage says it only through a translation
    #: (a dictionary sense is weaker evidence than the word itself or a curated synonym)
    translation_credit: float = 0.5
    #: the other language is preferred when this share of the `vote_depth` nearest passages
    #: (dense) is in the other language
    dense_vote: float = 0.8
    #: the boost of the other language when it is preferred (the evidence for it is strong)
    switch_boost: float = 0.5
    vote_depth: int = 10
    #: ... or when the other language's most relevant passage beats the user's language's by this
    #: margin of relevance (an absolute score, comparable across passages: see module docstring).
    #: Chosen on the tuning part (README, issue 16); None = the vote alone
    switch_margin: float | None = 0.05
    #: the other language's best passage is moved up to this place (1-based) when the places
    #: above are all in one language and it is within `other_lang_slot_gap` of their relevance
    #: (see `_other_language_in_view`); both chosen on the tuning part. None = off
    other_lang_slot: int | None = 3
    other_lang_slot_gap: float = 0.03


@dataclass
class Candidate:
    """A chunk with every feature the ranking and the confidence use."""

    chunk: StoredChunk
    cosine: float = 0.0
    bm25: float = 0.0
    coverage: float = 0.0
    fused: float = 0.0
    relevance: float = 0.0
    #: relevance with glossary synonyms credited by the IDF share they hold (see `covered`): what
    #: an answer uses to judge whether a second passage is about as relevant as the first
    strict_relevance: float = 0.0
    #: the English encoder's cosine with an English question (None: not an English pair)
    en_cosine: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def audience(self) -> str:
        """The tag of who may see the passage ("all", "hr", ...)."""
        return self.chunk.meta.get("audience", "all")

    def to_source(self) -> Source:
        m = self.chunk.meta
        return Source(
            source=self.chunk.source,
            title=m.get("title", ""),
            section=m.get("section", ""),
            score=float(self.relevance),
            text=self.chunk.text,
            language=m.get("language", ""),
            audience=self.audience,
            chunk_index=self.chunk.chunk_index,
        )


class Glossary:
    """Curated synonym groups (en + zh) for query expansion."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.groups = groups
        self._patterns = [
            [
                (
                    t,
                    re.compile(r"(?<![a-z])" + re.escape(t.lower()) + r"(?![a-z])")
                    if re.search(r"[a-z]", t.lower())
                    else None,
                )
                for t in g
            ]
            for g in groups
        ]

    @classmethod
    def load(cls, path: Path) -> Glossary:
        if not Path(path).is_file():
            return cls([])
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        groups = []
        for entry in data.get("terms", []):
            terms = [str(t) for lang in ("en", "zh") for t in (entry.get(lang) or [])]
            terms += [str(t) for t in (entry.get("synonyms") or [])]
            if terms:
                groups.append(terms)
        return cls(groups)

    def groups_in(self, query: str) -> list[tuple[list[str], list[str]]]:
        """(terms found in the query, the group's other terms) for every group the query mentions."""
        q = query.lower()
        out = []
        for pats in self._patterns:
            found = [t for t, p in pats if (p.search(q) if p else t in q)]
            if found:
                out.append((found, [t for t, _ in pats if t not in found]))
        return out

    def expand(self, query: str) -> list[str]:
        """Terms of every group the query mentions, except those already in the query."""
        return [t for _, others in self.groups_in(query) for t in others]

    def synonym_tokens(self, query: str) -> dict[str, list[frozenset[str]]]:
        """query token -> its glossary synonyms, each as a set of tokens (see `covered`)."""
        out: dict[str, list[frozenset[str]]] = {}
        for found, others in self.groups_in(query):
            syns = [frozenset(tokenize(o)) for o in others]
            for f in found:
                for t in tokenize(f):
                    out.setdefault(t, []).extend(s for s in syns if s and s != {t})
        return out


def covered(
    tokens: set[str] | frozenset[str],
    token: str,
    synonyms: dict[str, list[frozenset[str]]],
    idf: Callable[[str], float] | None = None,
) -> float:
    """How much of a query token a text with `tokens` says, 0..1: all of it when it holds the
    token; else, with `idf`, the IDF share of the best glossary synonym it holds ("annual leave"
    says "vacation"; "leave" alone, a common word, says little of it), as an answer's sentences
    are scored and `Candidate.strict_relevance` is measured. Without `idf`, any word of a synonym
    counts in full: the passage coverage that ranking and confidence were calibrated with (年休假
    covers 年假), kept because the IDF share there cost hit@1 on the dev set (0.81 -> 0.77).
    """
    if token in tokens:
        return 1.0
    best = 0.0
    for syn in synonyms.get(token, ()):
        have = syn & tokens
        if have and idf is None:
            return 1.0
        if have:
            best = max(best, sum(idf(t) for t in have) / sum(idf(t) for t in syn))
    return best


def allowed_audiences(audience: str | Iterable[str] | None) -> set[str] | None:
    """None = everything; otherwise the tags the caller may see ("all" is always included)."""
    if audience is None:
        return {"all"}
    tags = {audience} if isinstance(audience, str) else set(audience)
    tags = {t.strip().lower() for t in tags if t and t.strip()}
    if "*" in tags:
        return None
    return tags | {"all"}


class HybridRetriever:
    """Ranks chunks of the current store snapshot for a query."""

    def __init__(
        self, store: KnowledgeStore, settings: KnowledgeSettings, config: RetrievalConfig | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.config = config or RetrievalConfig()

    @cached_property
    def glossary(self) -> Glossary:
        """Synonyms for query expansion (the store has taught jieba its Chinese terms)."""
        return Glossary.load(self.settings.knowledge_glossary)

    def spell(self, query: str) -> str:
        """The query with its spelling slips corrected towards the documents' words
        (`knowledge.spelling`); the speller is built once per store generation."""
        if not self.config.spelling:
            return query
        snap = self.store.snapshot()
        cached = self.__dict__.get("_speller")
        if cached is None or cached[0] != snap.generation:
            from knowledge.spelling import QuerySpeller

            cached = (snap.generation, QuerySpeller([c.text for c in snap.chunks]))
            self.__dict__["_speller"] = cached
        return cached[1].correct(query)

    def gloss(self, query: str, qlang: str | None = None) -> str:
        """The English query with its Chinese words glossed in English through CC-CEDICT: "what's
        the cutoff for my 年终 award" gains "(end of the year)". A mixed-language question otherwise
        leans on those words only for Chinese passages, and its answer's sentences are chosen
        without them. (The other way, English words of a Chinese question glossed with the
        documents' Chinese words, changed nothing on the tuning part and is not done.)"""
        if not self.config.gloss or (qlang or detect_language(query)) != "en":
            return query
        from knowledge.translate import english_senses

        # english_senses has none for an English word
        glosses = list(dict.fromkeys(s for t in dict.fromkeys(tokenize(query)) for s in english_senses(t)))
        return f"{query} ({'; '.join(glosses)})" if glosses else query

    def embed_query(self, text: str) -> np.ndarray:
        return self.store.embeddings.embed_array([text])[0]

    def english_cosines(self, query: str, cands: list[Candidate]) -> None:
        """Fill `en_cosine` of the English candidates given, for an English query: the English
        encoder's question–passage cosine, which tells an answer from a passage that only shares
        the question's words (nothing when the model is not installed). Only answers are graded with
        it: its ranking fused into retrieval lost English hit@1 on the test part (README, issue 16)."""
        need = [c for c in cands if c.en_cosine is None and c.chunk.meta.get("language") == "en"]
        enc = self.store.en_embeddings
        if not need or enc is None:
            return
        vecs = self.store.en_vectors([c.chunk for c in need])
        if vecs is None:
            return
        for c, v in zip(need, vecs @ enc.embed_array([query])[0], strict=True):
            c.en_cosine = float(v)

    def candidates(
        self,
        query: str,
        lang: str | None = None,
        audience: str | Iterable[str] | None = "all",
        config: RetrievalConfig | None = None,
        qvec: np.ndarray | None = None,
    ) -> list[Candidate]:
        """All candidates (dense top-N ∪ BM25 top-N) with features, best first."""
        cfg = config or self.config
        snap: Snapshot = self.store.snapshot()
        if not snap.chunks:
            return []
        qlang = lang or detect_language(query)
        allowed = allowed_audiences(audience)
        expansion = self.glossary.expand(query) if cfg.glossary else []
        q_tokens = list(dict.fromkeys(tokenize(query)))
        e_tokens = [t for t in dict.fromkeys(tokenize(" ".join(expansion))) if t not in q_tokens]
        terms = q_tokens + e_tokens
        weights = [1.0] * len(q_tokens) + [
            cfg.expansion_weight * (1.0 if detect_language(t) == qlang else cfg.other_lang_expansion)
            for t in e_tokens
        ]
        bm = snap.bm25.scores(terms, weights) if terms else np.zeros(len(snap.chunks), np.float32)
        trans = self.translations(q_tokens, qlang, snap) if cfg.translate else {}
        x_terms: dict[str, float] = {}
        for sets in trans.values():
            for tokset in sets:
                for x in tokset:
                    if x not in terms:
                        x_terms[x] = max(x_terms.get(x, 0.0), 1.0 / len(sets))

        n = cfg.candidates
        cands: dict[int, Candidate] = {}
        if cfg.bm25 and terms:
            top = np.argsort(-bm)[:n]
            for r, i in enumerate(x for x in top if bm[x] > 0):
                cands.setdefault(int(i), Candidate(snap.chunks[int(i)])).ranks["bm25"] = r
        if cfg.bm25 and x_terms:
            bmx = snap.bm25.scores(list(x_terms), list(x_terms.values()))
            other = np.fromiter(
                (c.meta.get("language") != qlang for c in snap.chunks), bool, len(snap.chunks)
            )
            bmx = np.where(other, bmx, 0.0)
            for r, i in enumerate(x for x in np.argsort(-bmx)[:n] if bmx[x] > 0):
                cands.setdefault(int(i), Candidate(snap.chunks[int(i)])).ranks["bm25_x"] = r
        qvec = self.embed_query(query) if qvec is None else qvec
        dense_hits = self.store.dense_query(qvec, n) if n else []
        cos_by_idx: dict[int, float] = {}
        dense_order: list[int] = []
        r = 0
        for cid, cos, h in dense_hits:
            i = snap.by_id.get(cid)
            if i is None or snap.chunks[i].content_hash != h:
                continue  # not (or no longer / not yet) the served version: see store docstring
            cos_by_idx[i] = cos
            dense_order.append(i)
            if cfg.dense:
                cands.setdefault(i, Candidate(snap.chunks[i])).ranks["dense"] = r
                r += 1
        missing = [i for i in cands if i not in cos_by_idx]
        if missing:
            vecs = self.store.vectors([snap.chunks[i].id for i in missing])
            for i in missing:
                v = vecs.get(snap.chunks[i].id)
                cos_by_idx[i] = float(v @ qvec) if v is not None else 0.0
        syn = self.glossary.synonym_tokens(query) if cfg.glossary else {}
        idf = {t: snap.bm25.idf(t) for t in terms}
        total = sum(idf[t] * w for t, w in zip(terms, weights, strict=False)) or 1.0
        q_total = sum(idf[t] for t in q_tokens) or 1.0
        a = cfg.relevance_lexical
        kind = expected_answer(query) if cfg.answer_type_boost else None
        for i, c in cands.items():
            c.cosine = cos_by_idx.get(i, 0.0)
            c.bm25 = float(bm[i])
            toks = set(c.chunk.tokens)
            q_hit = strict_hit = 0.0
            for t in q_tokens:
                if t in toks:
                    q_hit += idf[t]
                    strict_hit += idf[t]
                elif covered(toks, t, syn):  # through a synonym: graded only here (hot path)
                    q_hit += idf[t]
                    strict_hit += idf[t] * covered(toks, t, syn, snap.bm25.idf)
                elif t in trans and covered(toks, t, trans):  # through a translation: weaker
                    q_hit += idf[t] * cfg.translation_credit
                    strict_hit += idf[t] * cfg.translation_credit
            all_cov = sum(idf[t] * w for t, w in zip(terms, weights, strict=False) if t in toks) / total
            c.coverage = max(q_hit / q_total, all_cov) if q_tokens else 0.0
            c.relevance = (1 - a) * max(c.cosine, 0.0) + a * c.coverage
            strict_cov = max(strict_hit / q_total, all_cov) if q_tokens else 0.0
            c.strict_relevance = (1 - a) * max(c.cosine, 0.0) + a * strict_cov
        # the language preferred is the user's, unless most of the multilingual encoder's nearest
        # passages are in the other language (an English question about a PRC rule): a preference
        # in ranking, never a filter. (Preferring the language of the most relevant passage instead
        # switched short Chinese questions to the handbook on the tuning part.)
        preferred = qlang
        near = [snap.chunks[i].meta.get("language") for i in dense_order[: cfg.vote_depth]]
        if cfg.translate and near:
            other = max(set(near), key=near.count)
            if other != qlang and near.count(other) / len(near) >= cfg.dense_vote:
                preferred = other
        if cfg.translate and cfg.switch_margin is not None and preferred == qlang:
            best: dict[str, float] = {}
            for c in cands.values():
                lang_c = c.chunk.meta.get("language", "")
                best[lang_c] = max(best.get(lang_c, 0.0), c.relevance)
            rivals = [(r, lang_c) for lang_c, r in best.items() if lang_c != qlang]
            if rivals and max(rivals)[0] > best.get(qlang, 0.0) + cfg.switch_margin:
                preferred = max(rivals)[1]
        for c in cands.values():
            fused = 0.0
            if "dense" in c.ranks:
                fused += cfg.dense_weight / (cfg.rrf_k + c.ranks["dense"])
            if "bm25" in c.ranks:
                fused += cfg.bm25_weight / (cfg.rrf_k + c.ranks["bm25"])
            if "bm25_x" in c.ranks:
                fused += cfg.translation_weight / (cfg.rrf_k + c.ranks["bm25_x"])
            if cfg.lang_pref and c.chunk.meta.get("language") == preferred:
                fused *= 1 + (cfg.lang_boost if preferred == qlang else cfg.switch_boost)
            c.fused = fused * (cfg.relevance_mix + c.relevance) if cfg.relevance_mix >= 0 else fused
            if cfg.heading_boost:
                m = c.chunk.meta
                heads = heading_tokens(f"{m.get('section', '')} {m.get('heading_path', '')}")
                c.fused *= 1 + cfg.heading_boost * sum(idf[t] for t in q_tokens if t in heads) / q_total
            if kind and states(c.chunk.text, kind):
                c.fused *= 1 + cfg.answer_type_boost
        ranked = sorted(cands.values(), key=lambda c: (-c.fused, -c.relevance))
        if cfg.translate:
            ranked = self._other_language_in_view(ranked, cfg)
        # the audience filter comes last: the language choice and the other-language place look
        # at every passage, so a filter drops passages without changing the others' order
        # (answering relies on it to ask for the user's roles only when it matters)
        return ranked if allowed is None else [c for c in ranked if c.audience in allowed]

    @staticmethod
    def _other_language_in_view(ranked: list[Candidate], cfg: RetrievalConfig) -> list[Candidate]:
        """Move the other language's best passage up to place `other_lang_slot` when every
        passage above it is in one language and it is about as relevant as they are (within
        `other_lang_slot_gap`): the language preference ranks, it must not push out of view a
        passage of the other collection that scores as well (an English question about a PRC
        rule whose words the handbook also uses). The order of the others is kept."""
        slot = cfg.other_lang_slot
        if not slot or len(ranked) <= slot:
            return ranked
        head = {c.chunk.meta.get("language") for c in ranked[:slot]}
        if len(head) != 1:
            return ranked
        j = next((j for j, c in enumerate(ranked) if c.chunk.meta.get("language") not in head), None)
        top = max(c.relevance for c in ranked[:slot])
        if j is None or ranked[j].relevance < top - cfg.other_lang_slot_gap:
            return ranked
        ranked.insert(slot - 1, ranked.pop(j))
        return ranked

    def translations(
        self, q_tokens: list[str], qlang: str, snap: Snapshot
    ) -> dict[str, list[frozenset[str]]]:
        """Query token -> its dictionary translations into the other language, as token sets."""
        from knowledge.translate import EnglishToChinese, zh_to_en

        if qlang == "zh":
            return {t: list(sets) for t in q_tokens if (sets := zh_to_en(t))}
        cached = self.__dict__.get("_en_zh")
        if cached is None or cached[0] != snap.generation:
            df = {t: len(p[0]) for t, p in snap.bm25.post.items()}
            cached = (snap.generation, EnglishToChinese(df.keys(), df))
            self.__dict__["_en_zh"] = cached
        return {t: [frozenset([w]) for w in ws] for t, ws in cached[1].translate(q_tokens).items()}

    def search(
        self, query: str, k: int = 5, lang: str | None = None, audience: str | Iterable[str] | None = "all"
    ) -> list[Source]:
        """Top-k passages as `Source`s (score = comparable relevance, see module docstring)."""
        query = self.gloss(self.spell(query), lang)
        return [c.to_source() for c in self.candidates(query, lang=lang, audience=audience)[:k]]
