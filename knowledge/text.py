"""Language detection, tokenisation for BM25 and sentence splitting (English and Chinese).

jieba is imported and initialised lazily (it builds its prefix dictionary on first use, ~1 s).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z0-9]")


def _words(block: str) -> list[str]:
    """Whitespace-separated word list (keeps long literal lists readable)."""
    return block.split()


EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "having",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "too",
        "very",
        "just",
        "about",
        "into",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "s",
        "t",
        "don",
        "now",
        "get",
        "got",
        "im",
        "i'm",
        "it's",
        "ve",
        "ll",
        "re",
        "d",
        "m",
        "o",
        "y",
        "up",
        "out",
        "off",
        "down",
        "there's",
        "what's",
    ]
)
ZH_STOP = frozenset(
    _words("""
    的 了 是 吗 呢 吧 啊 呀 我 你 他 她
    它 我们 你们 他们 这 那 这个 那个 在 有 和 与
    及 或 就 都 也 还 要 会 能 可以 可 吗
    么 什么 怎么 怎样 如何 多少 几 哪 哪些 哪里 是否 不
    没 没有 对 把 被 给 让 从 到 为 以 之
    其 所 等 中 上 下 个 些 一 一下 请问 想
    知道 应该 需要 一个 如果 公司 单位
""")
)
# jieba splits numbers from units; we keep the Chinese tokens only when they carry meaning.


def detect_language(text: str) -> str:
    """'zh' when CJK characters are a noticeable share of the letters, else 'en'."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cjk == 0:
        return "en"
    return "zh" if cjk * 3 >= latin * 0.5 or cjk >= 20 else "en"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for w in HR_WORDS:
        jieba.add_word(w, freq=20000)
    return jieba


#: HR terms jieba must keep whole (glossary terms are added too, see `add_words`).
HR_WORDS = _words("""
    年假 年休假 带薪年休假 产假 病假 婚假 丧假 事假 陪产假 护理假
    哺乳假 哺乳期 加班 加班费 工伤 试用期 经济补偿 劳动合同 公务员 事业单位
    调休 探亲假 培训 入职 离职 辞职 社保 社会保险 公积金 住房公积金
    工资 日工资 夜班 年终奖 考核 处分
""")


def add_words(words: list[str]) -> list[str]:
    """Teach jieba extra domain words (e.g. the glossary's Chinese terms); returns those taught."""
    jb = _jieba()
    taught = [w for w in words if _CJK.search(w) and " " not in w]
    for w in taught:
        jb.add_word(w, freq=20000)
    return taught


def stem(word: str) -> str:
    """Light English stemmer (plural/verb suffixes) so that 'leaves'~'leave', 'paid'~'pay'."""
    w = word
    if len(w) <= 3:
        return w
    irregular = {"paid": "pay", "children": "child", "women": "woman", "men": "man", "days": "day"}
    if w in irregular:
        return irregular[w]
    for suf, rep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                return w
            if suf == "es" and not w.endswith(("ches", "shes", "xes", "ses", "zes")):
                w = w[:-1]
                break
            w = w[: len(w) - len(suf)] + rep
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # running -> runn -> run
    return w.rstrip("e") if len(w) > 4 and w.endswith("e") else w


#: bump when `tokenize` changes: stores re-tokenize their chunks on open (see KnowledgeStore)
TOKENIZER_VERSION = "2"  # 2: hyphenated words also give their parts ("full-time" ~ "full time")


def tokenize(text: str, keep_stop: bool = False) -> list[str]:
    """BM25 tokens: jieba words for Chinese runs, lower-cased stemmed words for Latin runs, numbers."""
    out: list[str] = []
    for m in _RUNS.finditer(text):
        run = m.group(0)
        if _CJK.match(run):
            for w in _jieba().lcut_for_search(run):
                if keep_stop or w not in ZH_STOP:
                    out.append(w)
        else:
            w = run.lower().strip("'-")
            if not w or (not keep_stop and w in EN_STOP):
                continue
            out.append(_latin_token(w))
            if "-" in w:  # "full-time" also matches "full time"
                out.extend(_latin_token(p) for p in w.split("-") if p and (keep_stop or p not in EN_STOP))
    return out


def _latin_token(word: str) -> str:
    return stem(word) if _WORD.match(word) and not word[0].isdigit() else word


_SENT_ZH = re.compile(r"(?<=[。！？；!?;])|\n+")
_SENT_EN = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*])|\n+")


_BLOCK_START = re.compile(r"^\s*([-*+>#|]|\d+[.)]\s|[（(][一二三四五六七八九十\d]+[)）]|第.{1,6}[条章节])")
_ENDS = (".", "!", "?", ":", "。", "！", "？", "；", "：", ";")


def unwrap_lines(text: str) -> list[str]:
    """Logical lines: hard-wrapped paragraph lines are joined, list items and headings kept apart."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if out and out[-1] and not out[-1].endswith(_ENDS) and not _BLOCK_START.match(line):
            sep = "" if _CJK.search(out[-1][-1:]) and _CJK.match(line) else " "
            out[-1] = out[-1] + sep + line
        else:
            out.append(line)
        if raw.endswith("  "):  # a Markdown hard break: how the splitter joins paragraphs
            out.append("")
    return [x for x in out if x]


#: a list item: a Markdown bullet, "1." / "a)", or a Chinese enumerator "（一）"
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s|\d{1,2}[.)]\s|[a-z][.)]\s|[（(][一二三四五六七八九十\d]{1,3}[)）])")


def is_list_item(line: str) -> bool:
    """A bullet or numbered item ("- ...", "2. ...", "（三）...")."""
    return bool(_LIST_ITEM.match(line))


def is_lead_in(sentence: str) -> bool:
    """A sentence that introduces what follows ("You can use:", "下列情形之一的：")."""
    return sentence.rstrip().endswith((":", "："))


_LIST_MARK = re.compile(r"^(?:[-*+]\s*)?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")
_ENUMERATOR = re.compile(r"^[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[)）]")


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items / lines) in order; Chinese sentence punctuation respected.

    A bare list number ("4.") stays with the sentence it numbers, and a piece that cannot start a
    sentence (a parenthesis, a lower-case continuation) stays with the sentence before it, so an
    answer never shows "4." alone or loses "(6 months, 1 year, 2 years)" after its question.
    """
    return [s for _, s in split_lines_sentences(text)]


def split_lines_sentences(text: str) -> list[tuple[int, str]]:
    """`split_sentences` with the logical line (see `unwrap_lines`) each sentence starts on: a
    list item of two sentences is one line."""
    pieces: list[tuple[int, str]] = []
    for li, line in enumerate(unwrap_lines(text)):
        for piece in _SENT_ZH.split(line):
            pieces.extend((li, p.strip()) for p in _SENT_EN.split(piece) if p and p.strip())
    parts: list[tuple[int, str]] = []
    pending = ""
    for li, p in pieces:
        if _LIST_MARK.match(p):
            pending = f"{pending}{p} "
            continue
        p, pending = pending + p, ""
        if parts and (p[0] in "(（" or p[0].islower()) and not _ENUMERATOR.match(p):
            sep = "" if _CJK.search(parts[-1][1][-1:]) or _CJK.search(p[:2]) else " "
            parts[-1] = (parts[-1][0], f"{parts[-1][1]}{sep}{p}")
        else:
            parts.append((li, p))
    if pending.strip():
        parts.append((pieces[-1][0], pending.strip()))
    return parts


# ---------------------------------------------------------------- expected answer type
# A question that asks "how long" is answered by a passage that states a duration, one that asks
# "how many / how much" by a passage with a number. Used by retrieval (a small boost) and by the
# answer's sentence selection, so both read the question the same way.
_ASKS_DURATION = re.compile(
    r"how (long|soon|fast|quickly)|\bwhen\b|deadline|expire|within|多久|多长时间|多长|几天|多少天|几个月"
    r"|什么时候|期限|时限|多少年|几年",
    re.I,
)
_ASKS_AMOUNT = re.compile(r"how (many|much)|\bmax|\bmin|limit|多少|几|最多|最长|最少|比例|标准", re.I)
_NUMERAL = (
    r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十百两半]+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
)
_DURATION = re.compile(
    r"(?:" + _NUMERAL + r"|\b(?:a|an)(?=\s))\s*(?:个)?\s*"
    r"(?:(?:business days?|pay periods?|days?|weeks?|months?|years?|hours?)\b"
    r"|工作日|日|天|周|星期|月|年|小时)",
    re.I,
)
_AMOUNT = re.compile(
    r"\d|[一二三四五六七八九十百千两]+(?:个|倍|天|日|月|年|小时|%)|百分之|percent"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve)\b",
    re.I,
)


def expected_answer(question: str) -> str | None:
    """ "duration", "amount" or None: what kind of statement answers the question."""
    if _ASKS_DURATION.search(question):
        return "duration"
    if _ASKS_AMOUNT.search(question):
        return "amount"
    return None


def states(text: str, kind: str | None) -> bool:
    """True when the text states what `expected_answer` asked for (a duration, an amount)."""
    if kind == "duration":
        return bool(_DURATION.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    return False


@lru_cache(maxsize=100_000)
def heading_tokens(heading: str) -> frozenset[str]:
    """Tokens of a section heading / heading path (cached: headings repeat across chunks)."""
    return frozenset(tokenize(heading))
