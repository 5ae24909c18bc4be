"""Store behaviour on a real Chroma in temp dirs: replace/remove without stale chunks, unchanged
re-ingest does no embedding, audience, both languages, refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import embeddings

from .conftest import make_kb


def _write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _all_chroma_ids(kb) -> set[str]:
    return set(kb.store.collection.get(include=[])["ids"])


def test_replace_and_remove_leave_no_stale_chunks(any_kb, tmp_path: Path) -> None:
    kb = any_kb
    docs = tmp_path / "docs"
    long_old = "\n\n".join(
        f"## Old section {i}\n\nThe parking fee was {i} zorbles per day." for i in range(8)
    )
    _write(docs / "parking.md", "---\ntitle: Parking\n---\n" + long_old)
    rep = kb.ingest([docs], progress=False)
    assert rep.added == ["parking.md"]
    old_count = kb.list_documents()[0].chunk_count
    assert old_count == 8
    assert any("zorbles" in s.text for s in kb.search("parking fee zorbles", k=5))

    _write(docs / "parking.md", "---\ntitle: Parking\n---\n## Fees\n\nParking now costs 3 quarks per day.")
    rep = kb.ingest([docs], progress=False)
    assert rep.updated == ["parking.md"]
    hits = kb.search("parking fee zorbles quarks", k=10)
    assert hits and all("zorbles" not in h.text for h in hits)
    assert any("quarks" in h.text for h in hits)
    # the leftover ids of the old version are gone from Chroma too (no duplicates, no orphans)
    assert len(_all_chroma_ids(kb)) == 1
    info = kb.list_documents()[0]
    assert info.chunk_count == 1 and info.title == "Parking"

    assert kb.remove("parking.md") == 1
    assert kb.search("parking fee quarks", k=5) == []
    assert _all_chroma_ids(kb) == set() and kb.list_documents() == []
    assert kb.remove("parking.md") == 0


def test_prune_removes_deleted_files(any_kb, tmp_path: Path) -> None:
    kb = any_kb
    docs = tmp_path / "docs"
    _write(docs / "a.md", "# A\n\nAlpha text about bicycles.")
    _write(docs / "b.md", "# B\n\nBeta text about canoes.")
    kb.ingest([docs], progress=False)
    (docs / "b.md").unlink()
    rep = kb.ingest([docs], progress=False, prune=True)
    assert rep.removed == ["b.md"] and rep.unchanged == ["a.md"]
    assert all(h.source == "a.md" for h in kb.search("canoes", k=5))


def test_unchanged_reingest_does_no_embedding(kb, copy_demo: Path) -> None:
    first = kb.ingest([copy_demo], progress=False)
    assert first.chunks_embedded > 0 and not first.failed
    before = embeddings.EMBED_CALLS["texts"]
    again = kb.ingest([copy_demo], progress=False)
    assert embeddings.EMBED_CALLS["texts"] == before
    assert again.chunks_embedded == 0 and sorted(again.unchanged) == sorted(first.added)


def test_ingest_file_upload_and_reopen(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    up = _write(
        tmp_path / "upload.md", "---\ntitle: Dress code\n---\n## Fridays\n\nJeans are fine on Fridays."
    )
    info = kb.ingest_file(up, "policies/dress-code.md")
    assert info.source == "policies/dress-code.md" and info.chunk_count == 1 and info.language == "en"
    # a second process (new KnowledgeBase on the same dirs) sees the same store
    other = make_kb(tmp_path)
    assert [d.source for d in other.list_documents()] == ["policies/dress-code.md"]
    assert other.search("can I wear jeans", k=1)[0].source == "policies/dress-code.md"
    # and notices a write made by the first one (generation check)
    kb.remove("policies/dress-code.md")
    assert other.search("can I wear jeans", k=1) == []


def test_reindex_keeps_results(kb, tmp_path: Path) -> None:
    _write(tmp_path / "d" / "x.md", "# X\n\nThe canteen opens at 11:30.")
    kb.ingest([tmp_path / "d"], progress=False)
    rep = kb.reindex()
    assert rep.chunks_embedded == 1
    assert kb.search("when does the canteen open", k=1)[0].source == "x.md"


def test_audience_filter(demo_kb) -> None:
    q = "who handles harassment cases"
    public = demo_kb.search(q, k=10)
    assert all(h.audience == "all" for h in public)
    hr = demo_kb.search(q, k=3, audience=["hr"])
    assert hr[0].source.startswith("en/hr-only/")
    assert demo_kb.answer(q, audience="hr").sources[0].source == "en/hr-only/hr-contacts.md"


def test_both_languages_and_cross_language(demo_kb) -> None:
    ans = demo_kb.answer("How many training hours do I need each year?")
    assert ans.confident and "40" in ans.answer and ans.sources[0].source == "en/training.md"
    zh = demo_kb.answer("每年要完成多少培训学时？")
    assert zh.confident and "40学时" in zh.answer and zh.sources[0].source == "zh/培训管理.md"
    # a Chinese question finds the English passage when only English is eligible, and vice versa
    hits = demo_kb.search("产假有多少天", k=10)
    assert any(h.source == "en/leave.md" for h in hits)
    assert hits[0].language == "zh"  # the user's language is preferred, not exclusive
    en_hits = demo_kb.search("maternity leave days", k=3)
    assert en_hits[0].language == "en"


def test_cross_language_when_only_the_other_language_answers(any_kb, tmp_path: Path) -> None:
    kb = any_kb
    _write(
        tmp_path / "d" / "假期.md",
        "# 假期规定\n\n第一条 女职工生育享受98天产假。\n\n"
        "第二条 职工每日工作8小时。\n\n第三条 本规定自发布之日起施行。",
    )
    _write(tmp_path / "d" / "it.md", "# IT\n\n## Laptops\n\nReturn your laptop when you leave.")
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("How many days of maternity leave?", lang="en")
    assert ans.confident and ans.sources[0].source == "假期.md" and "98天" in ans.answer


def test_refusal_below_threshold(demo_kb) -> None:
    for q in ("who won the office chili cookoff last year", "食堂周末开不开门"):
        ans = demo_kb.answer(q)
        assert not ans.confident, (q, ans.confidence)
        other = bool(ans.features.get("best_other_language"))
        assert ans.confidence < demo_kb.settings.hedge_confidence(ans.language, other)
    assert "找到" in demo_kb.answer("食堂周末开不开门").answer


def test_answer_is_trimmed_and_cited(demo_kb) -> None:
    ans = demo_kb.answer("How much is overtime on a public holiday paid?", lang="en")
    assert ans.confident and "300%" in ans.answer
    assert len(ans.answer) <= demo_kb.settings.knowledge_answer_chars * 1.3
    s = ans.sources[0]
    assert (s.source, s.title) == ("en/working-hours.md", "Working hours and overtime") and s.section
    assert 0 < s.score <= 1 and s.text


def test_everyday_words_for_overtime_pay_find_the_rule(demo_kb) -> None:
    """'加班费' (what employees say) finds the article that says '加班工资' (what the rules say),
    through the glossary; before, the question was refused on the demo handbook."""
    for q in ("加班费怎么算？", "加班工资怎么算？"):
        ans = demo_kb.answer(q)
        assert ans.confident and "150%" in ans.answer and "300%" in ans.answer, (q, ans)
        assert ans.sources[0].source == "zh/工作时间与加班.md" and ans.sources[0].section == "第四条"


def test_a_second_article_joins_only_when_it_is_about_the_question(demo_kb) -> None:
    """'年假有多少天？' is answered by the annual-leave article alone: the maternity-leave article
    (休假 ... 98天) shares a piece of '年休假' and a number of days, not the topic."""
    ans = demo_kb.answer("年假有多少天？")
    assert ans.confident and "年休假5天" in ans.answer, ans.answer
    assert "产假" not in ans.answer, ans.answer


def test_llm_unreachable_falls_back_to_extractive(demo_kb) -> None:
    from knowledge.answering import answer_question

    settings = demo_kb.settings.model_copy(update={"hrbot_llm_base_url": "http://127.0.0.1:9/v1"})
    ans = answer_question(demo_kb.retriever, settings, "How many training hours do I need each year?")
    assert ans.confident and "40 training hours" in ans.answer


def test_a_running_reader_sees_another_processs_upload_and_removal(tmp_path: Path) -> None:
    """The action server answers while the gateway's admin page (another process) changes the
    store: the reader must serve the new document at once and never a removed one."""
    import subprocess
    import sys

    reader = make_kb(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "leave.md").write_text("# Leave\n\n## Annual\n\nAnnual leave is 20 days.\n")
    reader.ingest([tmp_path / "docs"], base=tmp_path / "docs", progress=False)
    assert reader.search("annual leave days", k=1)[0].source == "leave.md"

    writer = (
        "import sys; from pathlib import Path; sys.path[:0] = sys.argv[2:];"
        "from tests.knowledge.conftest import make_kb;"
        "kb = make_kb(Path(sys.argv[1])); p = Path(sys.argv[1]) / 'docs' / 'bikes.md';"
        "p.write_text('# Bicycles\\n\\n## Permits\\n\\nBicycle permits come from the facilities desk.\\n');"
        "kb.ingest_file(p, source_name='bikes.md'); kb.remove('leave.md')"
    )
    root = str(Path(__file__).resolve().parents[2])
    subprocess.run([sys.executable, "-c", writer, str(tmp_path), root], check=True, timeout=300)

    hits = reader.search("where do bicycle permits come from?", k=3)
    assert hits and hits[0].source == "bikes.md", hits
    assert all(h.source != "leave.md" for h in reader.search("annual leave days", k=5))


def test_the_section_about_the_asked_topic_answers_it(kb, tmp_path: Path) -> None:
    """Several sections mention sick leave hours; the answer opens with the 'Sick leave' section,
    which states the number asked for, cited first. (Sentences of other sections about as relevant
    may follow it within the budget: on the held-out questions that put facts in 4 more answers of
    the test part than stopping after the short section; README, "The fact asked".)"""
    _write(
        tmp_path / "d" / "leave.md",
        "# Leave\n\n## Annual leave\n\nYou earn annual leave every pay period. New staff earn four "
        "hours of annual leave per pay period, staff with three years of service six hours.\n\n"
        "## Advanced leave\n\nIf you need more leave than you have, you can ask for advanced leave. "
        "For example, with 10 pay periods left in the year you can ask for up to 40 hours of sick leave "
        "or annual leave in advance, the hours you would earn by the end of the year.\n\n"
        "## Sick leave\n\nEveryone earns the same: four hours every pay period. Use it when you are "
        "ill or see a doctor.\n\n## Holidays\n\nThe agency observes 11 public holidays a year.\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("how many hours of sick leave do i earn every pay period?", lang="en")
    assert ans.confident and ans.sources[0].section == "Sick leave"
    assert ans.answer.startswith("Everyone earns the same: four hours every pay period.")


def test_excerpts_keep_list_numbers_and_asides_with_their_sentence() -> None:
    from knowledge.text import split_sentences

    text = (
        "1. Ask your supervisor. 2. Submit the form.\n"
        "- How long will the term be renewed for?\n(6 months, 1 year or 2 years)\n"
        "（一）连续工作满1年的；\n（二）工资（含奖金）按月发放。"
    )
    assert split_sentences(text) == [
        "1. Ask your supervisor.",
        "2. Submit the form.",
        "- How long will the term be renewed for? (6 months, 1 year or 2 years)",
        "（一）连续工作满1年的；",
        "（二）工资（含奖金）按月发放。",
    ]


def test_two_articles_about_the_same_rule_are_both_quoted(kb, tmp_path: Path) -> None:
    """When two short articles answer about equally well, the reader gets both, each cited,
    rather than whichever happened to rank first."""
    _write(
        tmp_path / "d" / "年休假办法.md",
        "# 年休假办法\n\n第一条 为了规范年休假，制定本办法。\n\n"
        "第二条 单位与职工解除劳动合同时，应当按照职工当年已工作时间折算应休未休年休假天数，"
        "并支付未休年休假工资报酬。\n\n"
        "第三条 对职工应休未休的年休假天数，单位应当按照该职工日工资收入的300%支付未休年休假工资报酬。\n\n"
        "第四条 职工患病住院期间不计入年休假假期。\n\n第五条 本办法自发布之日起施行。",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("应休未休的年休假工资报酬怎么支付", lang="zh")
    assert ans.confident and "300%" in ans.answer and "折算" in ans.answer, ans.answer
    assert {"第二条", "第三条"} <= {s.section for s in ans.sources}


def test_an_answer_marks_the_passages_it_quotes(kb, tmp_path: Path) -> None:
    """ "Where does it say that?" names the passages an answer quotes, not those retrieved beside
    them: the answer marks them."""
    _write(
        tmp_path / "d" / "hours.md",
        "# Working hours\n\n## Overtime\n\nOvertime on a working day is paid at 150% of the hourly wage.\n\n"
        "## Sick leave\n\nTell your manager before 9:30 on the first day. Sick leave is paid in full "
        "for up to 10 days a year.\n\n## Training\n\nEvery employee takes 40 hours of training a year.",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("is sick leave paid?", lang="en")
    quoted = [s for s in ans.sources if s.quoted]
    assert ans.confident and "paid in full" in ans.answer, ans.answer
    assert [s.section for s in quoted] == ["Sick leave"], ans.sources
    assert len(ans.sources) > len(quoted)  # others were retrieved beside it, and are not marked


def test_an_answer_says_a_repeated_line_once_and_shows_no_markdown_escapes(kb, tmp_path: Path) -> None:
    """An overview and a detail section share a line: the answer quotes the deadline asked about,
    says the shared line once, and shows no Markdown escapes ("Duration \\- ...")."""
    _write(
        tmp_path / "d" / "parental-leave.md",
        "# Parental leave\n\n## Documents for an adoption or placement\n\n"
        "For the placement of a child you need the placement letter. Duration \\- how long the "
        "placement or adoption lasts, if it is known.\n\n"
        "## About parental leave\n\n"
        "* You are entitled to 12 weeks of paid parental leave for the birth, adoption or placement "
        "of a child.\n"
        "* You must have worked here for 12 months before you can use paid parental leave.\n"
        "* You must use the parental leave within a year of the birth or placement.\n"
        "* You can use the 12 weeks in one block or in several blocks, if your supervisor agrees.\n"
        "* Tell your supervisor as early as you can, so that your work can be covered while you are "
        "away.\n"
        "* Parental leave does not reduce your annual leave or your sick leave.\n\n"
        "## Leave overview\n\n"
        "You are entitled to 12 weeks of paid parental leave for the birth, adoption or placement of "
        "a child.\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer(
        "We are adopting. How long after the placement do I have to use my paid parental leave?", lang="en"
    )
    assert ans.confident and "within a year" in ans.answer, ans.answer
    assert ans.answer.count("You are entitled to 12 weeks") <= 1, ans.answer
    assert "\\-" not in ans.answer, ans.answer


@pytest.mark.parametrize(
    ("question", "durations", "not_a_duration"),
    [
        # 'within a year' answers "how long do I have?" as '12 weeks' does; 'a yearly review' does not
        (
            "How long after the placement do I have to use my leave?",
            ["You must use the leave within a year of the placement.", "You get an hour of credit."],
            "Your supervisor holds a yearly review.",
        ),
        # the English "a year" rule keeps Chinese durations: "一年内" and "三个月" answer "多久"
        (
            "产假结束后多久内要回来上班？",
            ["职工应当在一年内休完年休假。", "试用期不得超过三个月。"],
            "第三条 职工享受年休假。",
        ),
    ],
)
def test_a_duration_in_words_answers_how_long(
    question: str, durations: list[str], not_a_duration: str
) -> None:
    from knowledge.text import expected_answer, states

    kind = expected_answer(question)
    assert kind == "duration"
    for sentence in durations:
        assert states(sentence, kind), sentence
    assert not states(not_a_duration, kind)


_SCHEDULES = (
    "# Work schedules\n\n## Pay period\n\nEvery full-time employee works 80 hours in a two-week pay "
    "period.\n\n## Part-time work\n\nPart-time staff agree their hours with their supervisor.\n\n"
    "## Core hours\n\nEveryone is available between 10:00 and 15:00.\n"
)
_TIME_QUESTION = "how many hours is a pay period for full time staff?"


def test_full_time_asks_about_full_time(kb, tmp_path: Path) -> None:
    """'full time' in a question finds 'full-time' in the handbook (and the other way round)."""
    _write(tmp_path / "d" / "schedules.md", _SCHEDULES)
    _write(tmp_path / "d" / "leave.md", "# Leave\n\n## Annual leave\n\nYou earn leave every pay period.\n")
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer(_TIME_QUESTION, lang="en")
    assert ans.confident and "80 hours" in ans.answer, ans.answer
    assert ans.sources[0].section == "Pay period"
    assert kb.search("what about part time staff", k=1)[0].section == "Part-time work"


def test_a_store_from_an_older_tokenizer_answers_like_a_new_one(tmp_path: Path) -> None:
    """After an upgrade that changed the tokenizer, the documents already ingested are searched as
    if ingested again (their stored tokens are rebuilt on open, without re-embedding)."""
    import sqlite3

    kb = make_kb(tmp_path)
    _write(tmp_path / "d" / "schedules.md", _SCHEDULES)
    kb.ingest([tmp_path / "d"], progress=False)
    fresh = [(h.source, h.section, round(h.score, 4)) for h in kb.search(_TIME_QUESTION, k=3)]
    db = sqlite3.connect(kb.settings.registry_path)  # what an older version left behind
    with db:
        db.execute("UPDATE chunks SET tokens = 'tokens of an older tokenizer'")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'tokenizer'")
    db.close()
    reopened = make_kb(tmp_path)
    assert [(h.source, h.section, round(h.score, 4)) for h in reopened.search(_TIME_QUESTION, k=3)] == fresh


def test_a_glossary_term_added_later_works_without_re_ingesting(tmp_path: Path) -> None:
    """A curator adds a Chinese term to the glossary after the documents were ingested: on the next
    start the term splits the stored documents as it splits questions, as if they were ingested
    again (the glossary file says no re-ingest is needed)."""
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    def kb_with(store: Path, glossary: Path) -> KnowledgeBase:
        return KnowledgeBase(
            KnowledgeSettings(
                knowledge_chroma_path=store,
                knowledge_registry_path=None,
                knowledge_glossary=glossary,
                hrbot_llm_base_url=None,
            )
        )

    _write(
        tmp_path / "d" / "考勤.md",
        "# 考勤管理\n\n第一条 实行错峰上班的部门，职工可以在七点至十点之间到岗。\n\n"
        "第二条 职工病假期间，按照规定发放病假工资。\n\n"
        "第三条 职工年休假期间享受与正常工作期间相同的工资收入。\n",
    )
    before = _write(tmp_path / "before.yml", "terms:\n  - en: [sick leave]\n    zh: [病假]\n")
    after = _write(
        tmp_path / "after.yml",
        "terms:\n  - en: [sick leave]\n    zh: [病假]\n  - en: [staggered hours]\n    zh: [错峰上班]\n",
    )
    question = "错峰上班最晚几点到岗"
    kb_with(tmp_path / "old", before).ingest([tmp_path / "d"], progress=False)
    fresh = kb_with(tmp_path / "new", after)
    fresh.ingest([tmp_path / "d"], progress=False)
    expected = [(h.section, round(h.score, 4)) for h in fresh.search(question, k=3)]
    reopened = kb_with(tmp_path / "old", after)
    assert [(h.section, round(h.score, 4)) for h in reopened.search(question, k=3)] == expected
    assert expected[0][0] == "第一条"


_ANNUAL_LEAVE = (
    "# Leave\n\n## Annual leave\n\n"
    "You may use annual leave for any reason, once your supervisor has approved the dates in the "
    "HR portal.\n\n"
    "Annual leave accrues based on how long you have worked for the government:\n"
    "* Fewer than 3 years: 4 hours per pay period\n"
    "* Between 3 and 15 years: 6 hours per pay period\n"
    "* More than 15 years: 8 hours per pay period\n\n"
    "You can carry over at most 240 hours from one leave year to the next. Hours above that are "
    "forfeited at the end of the leave year, so plan your time off with your team early in the "
    "year and book it in the HR portal at least three business days ahead.\n\n"
    "## Sick leave\n\nEveryone earns four hours of sick leave per pay period.\n"
)


def test_a_lead_in_comes_with_its_whole_list(kb, tmp_path: Path) -> None:
    """A rule stated as a lead-in and a list is quoted with the whole list: one item alone ("4
    hours if fewer than 3 years") would mislead someone with 5 years of service."""
    _write(tmp_path / "d" / "leave.md", _ANNUAL_LEAVE)
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("how does annual leave accrue?", lang="en")
    assert ans.confident and ans.sources[0].section == "Annual leave", ans
    for item in ("Fewer than 3 years", "Between 3 and 15 years", "More than 15 years"):
        assert item in ans.answer, ans.answer


def test_a_chinese_article_s_list_is_quoted_whole(kb, tmp_path: Path) -> None:
    """'有下列情形之一的：' and its items: asked which cases apply, the answer lists them all, not
    only the one item that shares the question's words."""
    _write(
        tmp_path / "d" / "年休假规定.md",
        "# 年休假规定\n\n第一条 为了维护工作人员休息休假的权利，制定本规定。\n\n"
        "第二条 工作人员连续工作满12个月以上的，享受带薪年休假。单位应当保证工作人员享受年休假，"
        "年休假在1个年度内可以集中安排，也可以分段安排。\n\n"
        "第三条 工作人员有下列情形之一的，不享受当年的年休假：\n"
        "（一）依法享受寒暑假，其休假天数多于年休假天数的；\n"
        "（二）请事假累计20天以上且单位按照规定不扣工资的；\n"
        "（三）累计工作满1年不满10年，请病假累计2个月以上的；\n"
        "（四）累计工作满10年不满20年，请病假累计3个月以上的；\n"
        "（五）累计工作满20年以上，请病假累计4个月以上的。\n"
        "工作人员已享受当年的年休假，年度内又出现前款第（二）、（三）、（四）、（五）项规定情形之一的，"
        "不享受下一年度的年休假。单位确因工作需要不能安排年休假的，经本人同意，可以跨年度安排。\n\n"
        "第四条 本规定自发布之日起施行。\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("什么情况下不享受当年的年休假？", lang="zh")
    assert ans.confident and ans.sources[0].section == "第三条", ans.sources
    for item in ("寒暑假", "请事假累计20天", "病假累计2个月", "病假累计3个月", "病假累计4个月"):
        assert item in ans.answer, ans.answer


_FLEXIBLE_SCHEDULES = (
    "# Work schedules\n\n## Flexible schedules\n\n"
    "On a flexible schedule you choose your start and stop times within limits your supervisor "
    "agrees to.\n\n"
    "- Each day can be slightly longer or shorter than 8 hours, but the week must add up to 40 hours.\n"
    "- Each week can be shorter or longer than 40 hours, as long as the two weeks add up to 80 hours "
    "for the pay period.\n"
    "- You work 5 days a week, and the most you can work in a single day is 12 hours.\n"
    "- Time you work outside these limits needs your supervisor's approval in advance.\n"
)


def test_asked_in_other_words_the_rule_in_the_handbooks_words_answers(kb, tmp_path: Path) -> None:
    """Asked in the employee's words ('vacation', 'build up', 'every two weeks'), the answer leads
    with the handbook's rule in its words ('annual leave accrues', 'per pay period'), not with a
    schedule rule that happens to say 'two weeks' and 'hours'; and each item of the list is a
    line of its own, not run into the paragraph after the list."""
    _write(tmp_path / "d" / "leave.md", _ANNUAL_LEAVE)
    _write(tmp_path / "d" / "schedules.md", _FLEXIBLE_SCHEDULES)
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer(
        "been here 5 years now - how much vacation time do i build up every two weeks?", lang="en"
    )
    assert ans.confident and ans.sources[0].section == "Annual leave", ans
    lines = ans.answer.splitlines()
    assert lines[0].startswith("Annual leave accrues"), ans.answer
    assert "- Between 3 and 15 years: 6 hours per pay period" in lines, ans.answer
    assert "- More than 15 years: 8 hours per pay period" in lines, ans.answer


def test_is_it_paid_is_answered_by_the_line_that_says_unpaid(kb, tmp_path: Path) -> None:
    """'Is family leave paid?' is answered by the sentence saying the weeks are unpaid, not only
    by the sentences that mention paid leave."""
    _write(
        tmp_path / "d" / "family-leave.md",
        "# Family leave\n\n## How family leave works\n\n"
        "You have to be eligible for family leave to receive paid parental leave. Paid parental "
        "leave is how the agency applies family leave to the birth or placement of a child. If you "
        "use family leave before paid parental leave, it reduces the paid parental leave you can "
        "receive, and the other way round. Each time you use family leave, it counts toward the 12 "
        "week allotment. You can use 12 unpaid weeks of family leave every 52 weeks. The 12 weeks are "
        "rolling: they are refilled a year to the day after you first used family leave. You can use "
        "your sick leave or annual leave during family leave to be paid for those days.\n\n"
        "## Caring for a relative\n\nYou can use family leave to care for a seriously ill spouse, "
        "child or parent.\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("Is family leave paid?", lang="en")
    assert ans.confident and "unpaid" in ans.answer, ans.answer


_CREDIT_HOURS = (
    "# Overtime\n\n## Credit hours\n\n"
    "Only people on flexible work schedules can earn and use credit hours. There is no salary "
    "maximum for earning and using credit hours.\n\n"
    "You can be approved for credit hours if you want to voluntarily work additional hours beyond "
    "your approved schedule. If you are required to work additional hours, you will receive "
    "overtime or compensatory time instead.\n\n"
    "* You can have up to 24 credit hours at any given time.\n"
    "* The hours roll over from one pay period to the next, and they never expire.\n"
    "* Credit hours cannot be converted to cash, unless you leave the agency.\n\n"
    "### Credit hours example\n\n"
    "You work 8 hours every day on a flexible schedule. You are not required to stay late, but if "
    "you want to work an extra hour to finish a task, you can ask your supervisor about working 1 "
    "more hour and receive 1 credit hour. Request the hour in the HR portal; your supervisor "
    "approves it.\n\n"
    "## Overtime\n\nOvertime is work your supervisor orders beyond 8 hours a day or 40 hours a "
    "week. It is paid at time and a half.\n"
)


def test_the_rule_comes_before_its_worked_example(kb, tmp_path: Path) -> None:
    """A worked example ("Credit hours example") shares the employee's words ("stay late", "an
    extra hour") but not the rule asked for: the answer quotes the rule ("up to 24 credit
    hours") first, and cites its section first; the example may follow."""
    _write(tmp_path / "d" / "overtime.md", _CREDIT_HOURS)
    _write(tmp_path / "d" / "schedules.md", _FLEXIBLE_SCHEDULES)
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer(
        "If I voluntarily stay late on my flexible schedule, how many extra hours can I keep?", lang="en"
    )
    assert ans.confident and "up to 24 credit hours" in ans.answer, ans.answer
    assert ans.sources[0].section == "Credit hours", ans.sources
    example_at = ans.answer.find("You work 8 hours every day")
    assert example_at == -1 or ans.answer.index("24 credit hours") < example_at, ans.answer


def test_two_short_sections_quoted_whole_say_a_shared_line_once(kb, tmp_path: Path) -> None:
    """An overview and a detail section, both short, are quoted as they stand: the line they
    share is said once, the lines only one of them has are all there."""
    _write(
        tmp_path / "d" / "parental.md",
        "# Parental leave\n\n## Parental leave at a glance\n\n"
        "* You are entitled to 12 weeks of paid parental leave for the birth or placement of a child.\n"
        "* Ask HR for the request form.\n\n## Paid parental leave\n\n"
        "* You are entitled to 12 weeks of paid parental leave for the birth or placement of a child.\n"
        "* You must use it within a year of the birth or placement.\n\n"
        "## Sick leave\n\nYou earn four hours of sick leave every pay period.\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("how many weeks of paid parental leave do I get?", lang="en")
    assert ans.confident and {s.section for s in ans.sources[:2]} == {
        "Parental leave at a glance",
        "Paid parental leave",
    }, ans.sources
    assert ans.answer.count("You are entitled to 12 weeks") == 1, ans.answer
    assert "within a year" in ans.answer and "request form" in ans.answer, ans.answer


def test_a_list_of_examples_is_quoted_as_it_stands(kb, tmp_path: Path) -> None:
    """Only a worked example gives way to its rule: a short section listing examples ("Examples
    of incidents") answers "does X count?" as it stands, the whole list, not a trimmed part."""
    _write(
        tmp_path / "d" / "incidents.md",
        "# Security incidents\n\n## Reporting an incident\n\n"
        "Report every security incident to the IT service desk within one hour of noticing it, "
        "whether it is a lost device, a leaked password or a suspicious email. Include what "
        "happened, when, and which systems or data may be affected. Do not try to investigate on "
        "your own, and keep any evidence as it is.\n\n### Examples of incidents\n\n"
        "* A lost or stolen laptop or phone\n* A password or access token shared in public\n"
        "* A suspicious email that asked for your login\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("Does a stolen laptop count as an incident?", lang="en")
    assert ans.confident and ans.sources[0].section == "Examples of incidents", ans.sources
    for item in ("stolen laptop", "access token shared in public", "suspicious email"):
        assert item in ans.answer, ans.answer


def test_a_section_that_only_links_an_example_is_not_a_worked_example(kb, tmp_path: Path) -> None:
    """Only a worked example ("Credit hours example") gives way to its rule: a short section whose
    heading links an example post ("Product update — example") states its own rule and is quoted
    as it stands, like any short section."""
    _write(
        tmp_path / "d" / "blogging.md",
        "# Blog post types\n\nWe publish several kinds of posts. Pick the one that fits your story, "
        "and ask the editors for a review two weeks before you want to publish it.\n\n"
        "## Product update — [example](https://blog.example.org/product-update)\n\n"
        "A product update tells readers what changed in a product and why it matters to them. Keep "
        "it under 600 words and link to the product.\n\n"
        "## Retrospective — [example](https://blog.example.org/retro)\n\n"
        "A retrospective looks back at a project: what worked, what did not, and what you would do "
        "differently next time.\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    ans = kb.answer("how long should a product update blog post be?", lang="en")
    assert ans.confident and ans.sources[0].section.startswith("Product update"), ans.sources
    assert ans.answer.splitlines()[0] == (
        "A product update tells readers what changed in a product and why it matters to them. Keep "
        "it under 600 words and link to the product."
    ), ans.answer


def test_a_long_passage_is_never_quoted_whole_beside_a_short_one(kb, tmp_path: Path) -> None:
    """When the top passage is short and quoted as it stands, a passage joins it whole only if it
    is short too: a long one about as relevant (a timesheet page that mentions parental leave)
    would bury the answer. The ranking is set by hand here: on a small corpus the two rarely tie."""
    from knowledge.answering import answer_question

    _write(
        tmp_path / "d" / "parental.md",
        "# Parental leave\n\n## Paid parental leave\n\nYou are entitled to 12 weeks of paid time off "
        "for the birth or placement of a new child.\n",
    )
    _write(
        tmp_path / "d" / "timesheets.md",
        "# Timesheets\n\n## Recording paid time off\n\n"
        + "Record every hour of paid time off in the timesheet in the week you take it. " * 6
        + "\n\n| Level | Weekly | Bi-weekly |\n|--|--|--|\n| Team | TTS | GSA |\n",
    )
    kb.ingest([tmp_path / "d"], progress=False)
    q = "how much paid time off do I get for a new baby?"
    cands = kb.retriever.candidates(q, audience="*")
    short = next(c for c in cands if c.chunk.source == "parental.md")
    long_ = next(c for c in cands if c.chunk.source == "timesheets.md")
    assert len(short.chunk.text) < 200 < 420 < len(long_.chunk.text)
    for c in (short, long_):  # both clearly relevant, tied
        c.relevance = c.strict_relevance = 0.7
    ans = answer_question(kb.retriever, kb.settings, q, lang="en", candidates=[short, long_], use_llm=False)
    assert ans.confident and "12 weeks" in ans.answer, ans.answer
    assert "| Team |" not in ans.answer and ans.answer.count("Record every hour") <= 1, ans.answer


def test_a_rule_the_handbook_states_in_both_languages_is_read_in_the_questions_language_first(
    demo_kb,
) -> None:
    # the demo handbook says the sick-note rule in an English section and a Chinese article; the
    # Chinese one may rank first for "doctor's note" (glossary: 医院证明), the reader's comes first
    a = demo_kb.answer("btw do I need a doctor's note for 2 days off sick?", lang="en")
    assert a.grade != "refused", a
    first = a.answer.strip().splitlines()[0]
    assert "medical certificate" in first, a.answer
    b = demo_kb.answer("请病假要交医院证明吗？", lang="zh")
    assert "医院证明" in b.answer.strip().splitlines()[0], b.answer


def test_a_translation_does_not_repeat_the_rule_in_the_other_language(demo_kb) -> None:
    """The demo's Chinese handbook is marked as the translation of the English one (front matter
    ``translation_of``): an English reader gets the English rule, not the same rule again in
    Chinese, and a Chinese reader the Chinese article alone."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    en = demo_kb.answer("can unused annual leave roll over into next year or do i just lose it", lang="en")
    assert en.grade != "refused" and "first quarter" in en.answer, en
    assert not cjk.search(en.answer), en.answer
    # the Chinese article may rank first (its relevance lower): the English version of the same
    # handbook, among the first three, leads instead
    sick = demo_kb.answer("do i need a doctors note if im off sick and if it's only 2 days?", lang="en")
    assert sick.grade != "refused" and "medical certificate" in sick.answer, sick
    assert not cjk.search(sick.answer), sick.answer
    zh = demo_kb.answer("年假没休完可以留到明年第一季度吗", lang="zh")
    assert zh.grade != "refused" and "第一季度" in zh.answer, zh
    assert not re.search(r"[A-Za-z]{4,}", zh.answer), zh.answer
