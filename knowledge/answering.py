"""Answers: the best passage trimmed to the sentences that answer the question, with citations.

Extractive by default (offline, no hallucination: every word comes from a cited passage). When
HRBOT_LLM_BASE_URL is set, an OpenAI-compatible model rewrites the answer from the same passages
only; any LLM failure falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

import numpy as np

from knowledge.models import Answer, Source
from knowledge.retrieval import Candidate, HybridRetriever, allowed_audiences, covered
from knowledge.settings import KnowledgeSettings
from knowledge.text import (
    detect_language,
    expected_answer,
    heading_tokens,
    is_lead_in,
    is_list_item,
    split_lines_sentences,
    states,
    stem,
    tokenize,
)

log = logging.getLogger(__name__)

DONT_KNOW = {
    "en": "I could not find an answer to this in the HR documents.",
    "zh": "抱歉，我在人事制度文件中没有找到这个问题的答案。",
}
_MD = re.compile(r"\*\*|__|`")
_ESCAPED = re.compile(r"\\([-\\`*_{}\[\]()#+.!|])")  # Markdown backslash escapes
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
YEAR_MISMATCH_FACTOR = 0.75
#: an answer keeps the sentences scoring at least this share of the best one (while they fit)
KEEP = 0.7
#: a passage is quoted whole when it is at most this share of the answer budget (a short article
#: or section says one thing; a longer one is trimmed to the sentences that answer)
SHORT = 0.75
#: a second short passage joins the answer when its relevance is at least this share of the first
NEAR = 0.93
#: sentences embedded per answer: those ranked highest by the lexical part of the score (embedding
#: every sentence of three passages was ~40% of an answer's time; the answers to the dev questions
#: stayed the same but for 2 of 66, which dropped a sentence that did not answer)
EMBED_AT_MOST = 12
#: a Chinese answer's share of the answer budget (a Chinese character says about what two English
#: ones do; 0.6 against 0.5: Chinese facts 0.74 -> 0.76 tuning, 0.77 -> 0.82 test part)
ZH_SHARE = 0.6
#: an answer looks at no passage below this rank (sources, confidence, sentences)
ANSWER_DEPTH = 6
#: a negated English word ("unpaid", "non-exempt" gives its parts already); the rest is a word
_NEGATED = re.compile(r"^(?:un|non)(?=[a-z]{4})")
#: a worked-example section illustrates a rule, it does not state it: "Credit hours example",
#: "Example:", "举例" (not "Examples of incidents", a list that answers, nor "— example" links)
_EXAMPLE_HEADING = re.compile(r"^(?:for )?example\b|\w\s+example:?$|\bworked examples?\b|示例|举例", re.I)


def _clean(s: str) -> str:
    s = _MD.sub("", s)
    s = _ESCAPED.sub(r"\1", s)  # "Duration \- The duration" -> "Duration - The duration"
    s = re.sub(r"^\s*[*+]\s+", "- ", s)
    if s.lstrip().startswith("|"):  # a Markdown table row padded to its column widths
        s = re.sub(r"\s{2,}", " ", s)
    return s.strip()


def _same(sentence: str) -> str:
    """A sentence as compared for repeats: overview and detail sections often say the same line."""
    return re.sub(r"\W+", " ", _clean(sentence).lstrip("- ")).strip().lower()


def _is_example(c: Candidate) -> bool:
    """A worked-example section ("Credit hours example"): it illustrates the rule, it is not it."""
    return bool(_EXAMPLE_HEADING.search(c.chunk.meta.get("section", "")))


def _quote_whole(passages: list[str]) -> str:
    """Passages quoted as they stand, a line the second repeats from the first said once (two
    regulations often restate the same rule)."""
    said: set[str] = set()
    out = []
    for text in passages:
        for line in text.splitlines():
            key = _same(line)
            if not line.strip() or (key and key in said):
                continue
            said.add(key)
            out.append(_clean(line))
    return "\n".join(out)


def _unnegated(token: str) -> str:
    """ "unpaid" -> "pay": a sentence saying "unpaid" answers "is it paid?" as much as "paid" would."""
    return stem(_NEGATED.sub("", token))


def _score_sentences(
    question: str,
    sents: list[tuple[int, int, str]],
    cands: list[Candidate],
    qvec: np.ndarray,
    retriever: HybridRetriever,
) -> list[float]:
    """How well each sentence answers the question.

    Lexical coverage of the (glossary-expanded) query, USE cosine (for the `EMBED_AT_MOST`
    sentences the rest ranks highest; 0 for the others), a prior for the passage's rank, and a
    bonus when the question asks "how long / how many" and the sentence states a duration / an
    amount. A sentence inherits its section heading at half weight: under "Cancelling the transit
    benefit", "Withdraw from the program" answers "how do I cancel it?". A word of the question
    counts when the sentence says it in the glossary's other words (by the IDF share of the
    synonym it holds: "annual leave" says "vacation", "leave" alone hardly), and "unpaid" says
    "paid": it is the answer to "is it paid?".
    """
    snap = retriever.store.snapshot()
    q_tokens = list(dict.fromkeys(tokenize(question)))
    exp = [
        t for t in dict.fromkeys(tokenize(" ".join(retriever.glossary.expand(question)))) if t not in q_tokens
    ]
    idf = {t: snap.bm25.idf(t) for t in q_tokens + exp}
    total = sum(idf[t] for t in q_tokens) + 0.4 * sum(idf[t] for t in exp) or 1.0
    kind = expected_answer(question)
    syn = retriever.glossary.synonym_tokens(question)
    heads = [heading_tokens(c.chunk.meta.get("section", "")) for c in cands]
    partial = []
    for ci, _, s in sents:
        toks = set(tokenize(s))
        toks |= {_unnegated(t) for t in toks if _NEGATED.match(t)}
        hit = sum(
            idf[t] * max(covered(toks, t, syn, snap.bm25.idf), 0.5 if t in heads[ci] else 0.0)
            for t in q_tokens
        )
        hit += 0.4 * sum(idf[t] for t in exp if t in toks)
        bonus = 0.08 if states(s, kind) else 0.0
        partial.append(0.45 * hit / total + 0.1 / (1 + ci) + bonus)
    # the embedding is most of the cost: only the sentences the cheap part already ranks high
    embedded = sorted(range(len(sents)), key=lambda i: -partial[i])[:EMBED_AT_MOST]
    cos = np.zeros(len(sents))
    if embedded:
        cos[embedded] = retriever.store.embeddings.embed_array([sents[i][2] for i in embedded]) @ qvec
    return [p + 0.45 * float(c) for p, c in zip(partial, cos, strict=False)]


def _list_items(sents: list[tuple[int, int, str]], lines: list[int], i: int) -> list[int]:
    """Indexes of the sentences of the list right after lead-in `i` (same passage); an item may
    hold more than one sentence ("1. Submit a request. Discuss the dates...")."""
    items: list[int] = []
    j = i + 1
    while j < len(sents) and sents[j][0] == sents[i][0]:
        if lines[j] != lines[j - 1] and not is_list_item(sents[j][2]):
            break  # a new line that is not an item: the list has ended
        if lines[j] != lines[i]:
            items.append(j)
        j += 1
    return items


def _complete_lists(
    sents: list[tuple[int, int, str]], lines: list[int], keep: list[int], used: int, budget: int
) -> int:
    """A kept lead-in ("accrues based on how long you've worked:") brings its whole list when it
    fits (one item of "4 hours if fewer than 3 years, 6 if ..." would mislead); when it does not
    fit, the items picked stay, and a lead-in with none is dropped, as it says nothing alone.
    Changes `keep` in place and returns the characters used."""
    for i in list(keep):
        if not is_lead_in(sents[i][2]):
            continue
        items = _list_items(sents, lines, i)
        missing = [j for j in items if j not in keep]
        size = sum(len(sents[j][2]) for j in missing)
        if missing and used + size <= budget * 1.3:
            keep.extend(missing)
            used += size
        elif items and len(missing) == len(items) and len(keep) > 1:
            keep.remove(i)
            used -= len(sents[i][2])
    return used


#: the passages an answer's sentences are drawn from: the first POOL, those at least 0.75 as
#: relevant as the first (6 against 3: one more en→zh test question's fact, none lost)
POOL = 6


def select_sentences(
    question: str,
    cands: list[Candidate],
    qvec: np.ndarray,
    retriever: HybridRetriever,
    budget: int,
    pool: int = 3,
) -> tuple[str, list[Candidate]]:
    """Pick the sentences that best answer the question from the top `pool` passages.

    Pooling a few passages fixes the common case "right document, neighbouring section ranked
    first". Sentences scoring at least `KEEP` of the best are kept while the budget allows, a list
    item with its lead-in ("You can use:", "下列情形之一的：") and a lead-in with its whole list
    (see `_complete_lists`); a worked example comes after the rule it illustrates. Returns the
    text (sentences in passage order, then text order) and the passages used.
    """
    top = cands[:pool]
    best_rel = top[0].relevance
    top = [c for c in top if c.relevance >= 0.75 * best_rel] or top[:1]
    sents: list[tuple[int, int, str]] = []  # (passage, position, sentence)
    lines: list[int] = []  # the line each sentence is on (a list item may hold two sentences)
    for ci, c in enumerate(top):
        for si, (li, s) in enumerate(split_lines_sentences(c.chunk.text)):
            if len(s) > 3:
                sents.append((ci, si, s))
                lines.append(li)
    if not sents:
        return _clean(top[0].chunk.text[:budget]), [top[0]]
    scores = _score_sentences(question, sents, top, qvec, retriever)
    order = sorted(range(len(sents)), key=lambda i: -scores[i])
    example = [_is_example(c) for c in top]
    if example[sents[order[0]][0]]:
        # a worked example never answers alone: when the rule it illustrates (another section of
        # the same document) is in the pool, the rule's sentences are picked first, the example's
        # only with the room left
        doc = top[sents[order[0]][0]].chunk.source
        if any(not example[ci] and c.chunk.source == doc for ci, c in enumerate(top)):
            order.sort(key=lambda i: example[sents[i][0]])  # stable: by score within each
    best = scores[order[0]]
    keep = [order[0]]
    used = len(sents[order[0]][2])
    said = {_same(sents[order[0]][2])}
    for i in order[1:]:
        same = _same(sents[i][2])
        if scores[i] < KEEP * best or used + len(sents[i][2]) > budget or same in said:
            continue
        said.add(same)
        keep.append(i)
        used += len(sents[i][2])
    for i in list(keep):
        ci, si, _ = sents[i]
        prev = sents[i - 1] if i > 0 else None
        if (
            prev
            and prev[0] == ci
            and prev[1] == si - 1
            and i - 1 not in keep
            and is_lead_in(prev[2])
            and used + len(prev[2]) <= budget * 1.3
        ):
            keep.append(i - 1)
            used += len(sents[i - 1][2])
    used = _complete_lists(sents, lines, keep, used, budget)
    lead = sents[order[0]][0]
    keep.sort(key=lambda i: (example[sents[i][0]], sents[i][0] != lead, sents[i][0], sents[i][1]))
    # a lead-in whose list did not fit says nothing on its own
    while len(keep) > 1 and is_lead_in(sents[keep[-1]][2]):
        keep.pop()
    used_passages = [top[ci] for ci in dict.fromkeys(sents[i][0] for i in keep)]
    return "\n".join(_clean(sents[i][2]) for i in keep), used_passages


#: after a short passage quoted whole, sentences of the other pooled passages scoring at least this
#: share of the best sentence join the answer while the budget allows (0: none)
FILL = 0.7


def _fill_after_whole(
    question: str,
    whole: list[Candidate],
    cands: list[Candidate],
    qvec: np.ndarray,
    retriever: HybridRetriever,
    room: int,
    pool: int = 3,
) -> tuple[list[str], list[Candidate]]:
    """The sentences of other passages that answer about as well as the short passage quoted whole
    (a short article on appeals quoted whole, the article with "三十日内" one rank below), best
    first while they fit in `room` characters; with the passages they come from."""
    if FILL <= 0 or room <= 0:
        return [], []
    best_rel = cands[0].relevance
    top = whole + [
        c for c in cands[:pool] if c.relevance >= 0.75 * best_rel and all(c is not w for w in whole)
    ]
    if len(top) == len(whole):
        return [], []
    sents = [
        (ci, si, s)
        for ci, c in enumerate(top)
        for si, (_, s) in enumerate(split_lines_sentences(c.chunk.text))
        if len(s) > 3
    ]
    scores = _score_sentences(question, sents, top, qvec, retriever)
    best = max(scores, default=0.0)
    said = {_same(x) for w in whole for x in w.chunk.text.splitlines()} | {
        _same(s) for ci, _, s in sents if ci < len(whole)
    }
    keep = []
    for i in sorted(range(len(sents)), key=lambda i: -scores[i]):
        ci, _, s = sents[i]
        same = _same(s)
        if scores[i] < FILL * best:
            break
        if ci < len(whole) or same in said or is_lead_in(s) or _is_example(top[ci]) or len(s) > room:
            continue
        said.add(same)
        keep.append(i)
        room -= len(s)
    keep.sort(key=lambda i: sents[i][:2])
    return [_clean(sents[i][2]) for i in keep], [top[ci] for ci in dict.fromkeys(sents[i][0] for i in keep)]


def _llm_answer(settings: KnowledgeSettings, question: str, lang: str, sources: list[Source]) -> str | None:
    """Answer written by the optional LLM from the passages only; None on any failure."""
    try:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(
            base_url=settings.hrbot_llm_base_url,
            model=settings.hrbot_llm_model,
            api_key=settings.hrbot_llm_api_key or "not-needed",
            temperature=0,
            timeout=30,
            max_retries=1,
        )
        prompt = ChatPromptTemplate.from_messages(
            [
                (
                    "system",
                    "You answer employees' HR questions using ONLY the numbered passages. "
                    "Quote numbers exactly. Cite passages as [1], [2]. If the passages do not answer "
                    "the question, reply exactly NO_ANSWER. Answer in {language}, in at most 4 "
                    "sentences.",
                ),
                ("human", "Passages:\n{passages}\n\nQuestion: {question}"),
            ]
        )
        passages = "\n\n".join(f"[{i}] {s.title} § {s.section}\n{s.text}" for i, s in enumerate(sources, 1))
        out = (prompt | llm | StrOutputParser()).invoke(
            {"language": "Chinese" if lang == "zh" else "English", "passages": passages, "question": question}
        )
        out = out.strip()
        return None if not out or "NO_ANSWER" in out else out
    except Exception as exc:  # the extractive answer stands on its own
        log.warning("LLM answer failed, using the extractive answer: %s", exc)
        return None


def answer_question(
    retriever: HybridRetriever,
    settings: KnowledgeSettings,
    question: str,
    lang: str | None = None,
    audience: str | Iterable[str] | Callable[[set[str]], str | Iterable[str] | None] | None = "all",
    candidates: list[Candidate] | None = None,
    use_llm: bool = True,
) -> Answer:
    """Retrieve, decide confidence, extract (or generate) the answer, attach sources.

    `audience` may be a function returning the user's tags: it is called only when a restricted
    passage is among the top `ANSWER_DEPTH`, the only ones an answer looks at. Candidates are ranked
    before the audience filter, which drops passages without changing the others' scores, so the
    answer is the same as with the tags given up front.
    """
    qlang = lang or detect_language(question)
    question = retriever.gloss(retriever.spell(question), qlang)
    qvec = retriever.embed_query(question)
    if candidates is not None:
        cands = candidates
    elif callable(audience):
        cands = retriever.candidates(question, lang=qlang, audience="*", qvec=qvec)
        restricted = {c.audience for c in cands[:ANSWER_DEPTH]} - {"all"}
        if restricted:
            allowed = allowed_audiences(audience(restricted))
            if allowed is not None:
                cands = [c for c in cands if c.audience in allowed]
    else:
        cands = retriever.candidates(question, lang=qlang, audience=audience, qvec=qvec)
    if not cands:
        return Answer(answer=DONT_KNOW.get(qlang, DONT_KNOW["en"]), confident=False, language=qlang)
    # confidence: the best relevance among the top few (fusion may rank a slightly less "covered"
    # passage first; what matters is whether the store holds something clearly about the question)
    best = max(cands[:3], key=lambda c: c.relevance)
    # the scale of that relevance depends on whether the passage is in the question's language
    # (a cross-lingual match scores lower for the same fit): the grade thresholds follow it
    best_other = best.chunk.meta.get("language", qlang) != qlang
    # a question pinned to a year (e.g. "the 2026 deductible") is not answered by passages that never
    # mention that year: the documents may describe the topic but not that year's figures
    years = set(_YEAR.findall(question))
    year_factor = 1.0
    if years and not any(y in c.chunk.text for y in years for c in cands[:3]):
        year_factor = YEAR_MISMATCH_FACTOR
    confidence = best.relevance * year_factor
    cands = cands[:ANSWER_DEPTH]
    sources = _dedupe([c.to_source() for c in cands])[:3]
    top = cands[:3]
    features = {
        "confidence": confidence,
        "cosine": max(c.cosine for c in top),
        "coverage": max(c.coverage for c in top),
        "strict": max(c.strict_relevance for c in top),
        "best_other_language": float(best_other),
    }
    if qlang == "en":
        retriever.english_cosines(question, top)
    en_cos = [c.en_cosine for c in top if c.en_cosine is not None]
    if en_cos:  # the English encoder's question-passage cosine (English pairs only)
        features["en_cosine"] = max(en_cos)
    if qlang == "en" and en_cos and cands[0].chunk.meta.get("language") == "en":
        # an English answer from an English passage: graded on the relevance averaged with the
        # English encoder's cosine, which separates answerable from unanswerable English
        # questions far better than the relevance alone (tuning AUC 0.87 against 0.72)
        score = features["en_score"] = (confidence + max(en_cos) * year_factor) / 2
        hedge_at, plain_at = settings.knowledge_en_grade
    else:
        score = confidence
        hedge_at, plain_at = (
            settings.hedge_confidence(qlang, best_other),
            settings.min_confidence(qlang, best_other),
        )
    grade = grade_of(score, hedge_at, plain_at)
    # what it was graded on, and the rule's thresholds (evaluation, the insights' low-confidence check)
    features.update(grade_score=score, hedge_at=hedge_at, plain_at=plain_at)
    if grade == "refused":
        return Answer(
            answer=DONT_KNOW.get(qlang, DONT_KNOW["en"]),
            sources=sources,
            confident=False,
            confidence=confidence,
            language=qlang,
            grade=grade,
            features=features,
        )
    cands = _without_translations(cands, qlang)
    budget = (
        settings.knowledge_answer_chars
        if cands[0].chunk.meta.get("language") != "zh"
        else max(120, int(settings.knowledge_answer_chars * ZH_SHARE))
    )
    # a short article or section is itself the answer, unless a longer passage about as relevant
    # holds the sentence that answers best (a short neighbour, e.g. the documents to bring, would
    # otherwise stand in for the rule asked about; two short ones are both quoted, below). Sentences
    # are scored only when there is such a rival: embedding them is most of an answer's time.
    # A worked example is never quoted whole: it illustrates the rule (see select_sentences).
    short_limit = int(budget * SHORT)
    short = len(cands[0].chunk.text) <= short_limit and not _is_example(cands[0])
    rival = any(
        c.relevance >= NEAR * cands[0].relevance and len(c.chunk.text) > short_limit for c in cands[1:3]
    )
    text, used = ("", [cands[0]])
    if rival or not short:
        text, used = select_sentences(question, cands, qvec, retriever, budget, pool=POOL)
    if short and used[0] is cands[0]:
        used = [cands[0]]
        # ... and so is the more relevant of the next two, in the same language, when it is about
        # as relevant (two articles of one statute, the same rule in two regulations) and short too
        second = max((1, 2)[: len(cands) - 1], key=lambda i: cands[i].strict_relevance, default=None)
        if (
            second is not None
            and cands[second].strict_relevance >= NEAR * cands[0].strict_relevance
            and cands[second].chunk.meta.get("language") == cands[0].chunk.meta.get("language")
            and len(cands[second].chunk.text) <= short_limit
        ):
            used.append(cands[second])
        text = _quote_whole([c.chunk.text for c in used])
        extra, more = _fill_after_whole(question, used, cands, qvec, retriever, budget - len(text), pool=POOL)
        if extra:
            text = "\n".join([text, *extra])
            used += more
    text = _question_language_first(text, qlang)
    cited = [c.to_source().model_copy(update={"quoted": True}) for c in used]
    sources = _dedupe(cited + sources)[: max(3, len(cited))]
    if settings.hrbot_llm_base_url and use_llm and grade == "answer":
        text = _llm_answer(settings, question, qlang, sources) or text
    return Answer(
        answer=text,
        sources=sources,
        confident=True,
        confidence=confidence,
        language=qlang,
        grade=grade,
        other_language=bool(cited) and all(s.language and s.language != qlang for s in cited),
        features=features,
    )


def _without_translations(cands: list[Candidate], qlang: str) -> list[Candidate]:
    """The candidates an answer is composed from when the documents include translations (front
    matter ``translation_of``): a passage of the translation in the reader's language among the
    first three leads instead of the other language's, and the passages of translations of the
    lead language's documents are left out: they only say the same rule again in the other
    language. Documents that are not translations of each other (a US handbook beside PRC
    regulations) are not touched: there the other language states another rule."""

    def linked(a: Candidate, b: Candidate) -> bool:
        return a.chunk.source == b.chunk.meta.get("translation_of") or b.chunk.source == a.chunk.meta.get(
            "translation_of"
        )

    if cands[0].chunk.meta.get("language") != qlang:
        near = (c for c in cands[1:3] if c.chunk.meta.get("language") == qlang)
        twin = next((c for c in near if linked(c, cands[0])), None)
        if twin is None:
            return cands
        cands = [twin, *(c for c in cands if c is not twin)]
    lead = [c for c in cands if c.chunk.meta.get("language") == qlang]
    return [c for c in cands if c.chunk.meta.get("language") == qlang or not any(linked(c, d) for d in lead)]


def _question_language_first(text: str, qlang: str) -> str:
    """The answer's lines in the question's language first, each language in its own order: where
    the documents say a rule in both languages (a bilingual handbook), an English question reads
    the English sentence first, not the Chinese article ranked above it. Nothing is dropped."""
    lines = text.split("\n")
    if len({detect_language(line) for line in lines if line.strip()}) < 2:
        return text
    return "\n".join(sorted(lines, key=lambda line: bool(line.strip()) and detect_language(line) != qlang))


def grade_of(score: float, hedge_at: float, plain_at: float) -> str:
    """answer at or above the plain-answer threshold, hedged between the two, refused below the
    hedge threshold (each rule's pair chosen on the tuning questions: knowledge/README.md)."""
    return "answer" if score >= plain_at else "hedged" if score >= hedge_at else "refused"


def grade_for(settings: KnowledgeSettings, lang: str, confidence: float, other_language: bool = False) -> str:
    """The grade on the relevance, per question language and per direction (the passage giving the
    relevance in the question's language or in the other)."""
    return grade_of(
        confidence,
        settings.hedge_confidence(lang, other_language),
        settings.min_confidence(lang, other_language),
    )


def _dedupe(sources: list[Source]) -> list[Source]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for s in sources:
        key = (s.source, s.section, s.chunk_index)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
