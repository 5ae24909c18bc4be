"""Splitting and rendering rules for Telegram (limits counted the way Telegram counts them)."""

from __future__ import annotations

from connectors.telegram.format import SAFE_LIMIT, needs_key, render_text, split_text, tg_len


def test_short_text_is_one_chunk() -> None:
    assert split_text("hello\n\nworld") == ["hello\n\nworld"]
    assert split_text("   ") == []


def test_huge_single_line_is_hard_split() -> None:
    text = "x" * (SAFE_LIMIT * 2 + 5)
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [SAFE_LIMIT, SAFE_LIMIT, 5]


def test_emoji_count_double() -> None:
    text = "😀" * 3000  # 3000 characters but 6000 UTF-16 units
    chunks = split_text(text)
    assert len(chunks) == 2 and all(tg_len(c) <= SAFE_LIMIT for c in chunks)
    assert "".join(chunks) == text


def test_chinese_paragraphs() -> None:
    paras = ["年假规定。" * 300 for _ in range(3)]  # 1500 chars each
    chunks = split_text("\n\n".join(paras))
    assert len(chunks) == 2 and chunks[0] == "\n\n".join(paras[:2])


def test_render_list_and_citations() -> None:
    text = render_text(
        {
            "text": "Balances:",
            "list": ["Annual: 10", {"type": "Sick", "days": 5}],
            "citations": [{"title": "Leave", "section": "", "source": "leave.md", "url": "https://x/leave"}],
        },
        "zh",
    )
    assert text == "Balances:\n\n• Annual: 10\n• type: Sick · days: 5\n\n来源：\n📄 Leave (https://x/leave)"


def test_needs_key() -> None:
    assert not needs_key("/affirm")
    assert needs_key("x" * 65)
    assert needs_key("#k:spoof")
    assert needs_key("年" * 22)  # 66 bytes in UTF-8
