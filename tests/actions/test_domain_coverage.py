"""Every backend refusal and every form question has a response in both languages."""

from __future__ import annotations

import re
from typing import Any

from actions.leave import ERROR_RESPONSES, FORM_QUESTIONS
from tests.actions.helpers import REPO


def has_zh(variations: list[dict[str, Any]]) -> bool:
    return any(
        any(c.get("name") == "language" and c.get("value") == "zh" for c in v.get("condition") or [])
        for v in variations
    )


def test_every_backend_error_code_is_explained_in_both_languages(domain: dict[str, Any]) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "personnel" / "app").rglob("*.py"))
    codes = set(re.findall(r'AppError\(\s*"([a-z_]+)"', source)) | {
        "not_found",
        "forbidden",
        "validation_error",
    }
    missing = sorted(c for c in codes if f"utter_error_{c}" not in domain["responses"])
    assert not missing, f"backend error codes without a response: {missing}"
    assert {f"utter_error_{c}" for c in codes} <= set(ERROR_RESPONSES)
    for name in ERROR_RESPONSES:
        assert has_zh(domain["responses"][name]), name


def test_every_form_question_exists_in_both_languages(domain: dict[str, Any]) -> None:
    for form, slots in FORM_QUESTIONS.items():
        assert set(slots) == set(domain["forms"][form]["required_slots"]), form
        for question in slots.values():
            if question.startswith("utter_"):
                assert has_zh(domain["responses"][question]), question
            else:  # a custom ask action builds buttons from the backend and utters this response
                assert has_zh(domain["responses"][question.replace("action_", "utter_")]), question


def test_hedged_and_other_language_policy_answers_exist_in_both_languages(domain: dict[str, Any]) -> None:
    """A hedged answer says plainly that the documents may not answer exactly and offers HR, in
    the user's language; a passage from the other language's documents is announced as such."""
    for name in (
        "utter_policy_hedged",
        "utter_policy_hedged_other_language",
        "utter_policy_answer_other_language",
    ):
        variations = domain["responses"][name]
        assert has_zh(variations), name
        assert all("{answer}" in v["text"] for v in variations), name
        if "hedged" in name:
            assert all(
                any(b["payload"] == "/request_handoff" for b in v.get("buttons") or []) for v in variations
            ), name
