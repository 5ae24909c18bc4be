"""Loaders and chunkers: every file type, cleaning, structure-aware chunks."""

from __future__ import annotations

from pathlib import Path

from knowledge.chunking import chunk_document
from knowledge.ingest import prepare
from knowledge.loaders import clean_markdown, load_file
from knowledge.text import detect_language, split_sentences, tokenize

from .conftest import write_docx, write_pdf

MD = """---
title: Leave types
audience: hr
redirect_from:
  - /leave/
---

{% alert %}
Use the [leave chart]({% page "/travel/" %}) and <a href="x">HR Links</a>.
{% endalert %}

## Types of leave

### Annual leave

You earn {{ site.hours }} annual leave. See [the policy](https://example.org/p).

### Sick leave

You earn 4 hours of sick leave per pay period.
"""


def test_markdown_front_matter_and_template_tags_removed(tmp_path: Path) -> None:
    p = tmp_path / "leave.md"
    p.write_text(MD, encoding="utf-8")
    doc = load_file(p, "leave.md")
    assert doc.title == "Leave types"
    assert doc.audience == "hr"
    for junk in ("{%", "%}", "{{", "}}", "redirect_from", "https://", "<a", "---"):
        assert junk not in doc.text
    assert "leave chart" in doc.text and "HR Links" in doc.text and "the policy" in doc.text
    chunks = chunk_document(doc.text, doc.title)
    by_section = {c.section: c for c in chunks}
    assert by_section["Sick leave"].heading_path == "Types of leave > Sick leave"
    assert "4 hours" in by_section["Sick leave"].text


def test_clean_markdown_keeps_link_text() -> None:
    text, front = clean_markdown('---\ntitle: T\n---\nSee [FMLA]({% page "fmla" %}) now.')
    assert text == "See FMLA now." and front == {"title": "T"}


def test_html(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Overtime</title><script>x=1</script></head><body><nav>menu</nav>"
        "<h1>Overtime</h1><h2>Limits</h2><p>At most <b>36 hours</b> a month.</p>"
        "<ul><li>Approval first</li></ul></body></html>",
        encoding="utf-8",
    )
    doc = load_file(p, "page.html")
    assert doc.title == "Overtime"
    assert "x=1" not in doc.text and "menu" not in doc.text
    chunks = chunk_document(doc.text, doc.title)
    assert chunks[0].section == "Limits" and "36 hours" in chunks[0].text


def test_pdf(tmp_path: Path) -> None:
    p = write_pdf(tmp_path / "policy.pdf", ["Training policy", "Every employee completes 40 training hours."])
    doc = load_file(p, "policy.pdf")
    assert "40 training hours" in doc.text
    assert doc.title == "Policy"


def test_docx(tmp_path: Path) -> None:
    p = write_docx(tmp_path / "onboarding.docx", ["Onboarding", "Probation lasts 6 months."])
    doc = load_file(p, "onboarding.docx")
    assert "Probation lasts 6 months." in doc.text


def test_txt(tmp_path: Path) -> None:
    p = tmp_path / "contacts.txt"
    p.write_text("Email hr@harbour.example for help.", encoding="utf-8")
    info = prepare(p, "contacts.txt")
    assert info["title"] == "Contacts" and info["language"] == "en"
    assert info["chunks"][0]["text"] == "Email hr@harbour.example for help."


def test_txt_saved_in_gbk_reads_as_chinese(tmp_path: Path) -> None:
    """Notices saved by Chinese Windows editors are often GBK, not UTF-8: the text must not be mojibake."""
    p = tmp_path / "通知.txt"
    p.write_bytes("关于春节放假的通知：职工春节放假三天，具体安排以人事处通知为准。".encode("gbk"))
    doc = load_file(p, "通知.txt")
    assert "春节放假三天" in doc.text


def test_audience_from_folder(tmp_path: Path) -> None:
    (tmp_path / "hr-only").mkdir()
    p = tmp_path / "hr-only" / "notes.md"
    p.write_text("# Notes\n\nInternal.", encoding="utf-8")
    assert prepare(p, "hr-only/notes.md")["audience"] == "hr"


REG = (
    """# 中华人民共和国测试法

2020年1月1日通过

<!-- INFO END -->

## 第一章 总则

第一条 为了测试，制定本法。

第二条 本法适用于测试。

## 第二章 休假

第三条 职工累计工作已满1年不满10年的，年休假5天；已满10年不满20年的，年休假10天。

第四条 """
    + "职工应当遵守规定。" * 120
    + """

第五条 本法自公布之日起施行。
"""
)


def test_article_splitting_with_chapter(tmp_path: Path) -> None:
    p = tmp_path / "测试法(2020-01-01).md"
    p.write_text(REG, encoding="utf-8")
    info = prepare(p, "zh/测试法(2020-01-01).md")
    assert info["title"] == "中华人民共和国测试法" and info["language"] == "zh"
    chunks = info["chunks"]
    art3 = next(c for c in chunks if c["meta"]["section"] == "第三条")
    assert art3["meta"]["chapter"] == "第二章 休假"
    assert art3["text"].startswith("第三条") and "年休假5天" in art3["text"]
    assert next(c for c in chunks if c["meta"]["section"] == "第一条")["meta"]["chapter"] == "第一章 总则"
    long_parts = [c for c in chunks if c["meta"]["section"] == "第四条"]
    assert len(long_parts) > 1  # a long article is split further...
    assert all(c["text"].endswith("。") for c in long_parts)  # ...at Chinese sentence ends
    assert all(len(c["text"]) <= 800 for c in chunks)


def test_text_helpers() -> None:
    assert detect_language("春节放几天假") == "zh"
    assert detect_language("How many days off?") == "en"
    assert "年假" in tokenize("我的年假有几天")
    assert tokenize("Leaves") == tokenize("leave")
    assert split_sentences("第一句。第二句！\nA sentence. Another one.") == [
        "第一句。",
        "第二句！",
        "A sentence.",
        "Another one.",
    ]
