"""The chat asks the backend for the user's roles only when an HR-only passage could be in the
answer, and the answer is then the same as with the roles given up front."""

from __future__ import annotations


def _lookup(tags: list[str], asked: list[set[str]]):
    def lookup(restricted: set[str]) -> list[str]:
        asked.append(restricted)
        return tags

    return lookup


def test_roles_are_looked_up_when_an_hr_only_passage_could_answer(demo_kb) -> None:
    q = "who handles harassment cases"
    asked: list[set[str]] = []
    as_hr = demo_kb.answer(q, audience=_lookup(["hr"], asked))
    assert asked == [{"hr"}]
    assert as_hr == demo_kb.answer(q, audience="hr")
    assert as_hr.sources[0].source == "en/hr-only/hr-contacts.md"

    asked.clear()
    as_employee = demo_kb.answer(q, audience=_lookup([], asked))
    assert asked == [{"hr"}]
    assert as_employee == demo_kb.answer(q, audience="all")
    assert all(s.audience == "all" for s in as_employee.sources)
    assert "hr-only" not in as_employee.answer


def test_no_role_lookup_when_only_public_passages_could_answer(demo_kb) -> None:
    asked: list[set[str]] = []
    q = "How many training hours do I need each year?"
    ans = demo_kb.answer(q, audience=_lookup(["hr"], asked))
    assert asked == []
    assert ans == demo_kb.answer(q, audience="all")
    assert ans.confident and "40" in ans.answer
