"""Knowledge-gap groups with the knowledge base's real encoder: questions about one topic group
together (in English and Chinese alike), other topics stay apart, resolved questions leave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from insights import db
from insights.gaps import open_groups, resolve
from insights.records import record_answer
from insights.report import Filters
from insights.settings import InsightsSettings
from knowledge.models import Answer, Source


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[InsightsSettings]:
    yield InsightsSettings(
        hrbot_insights_database_url=f"sqlite:///{tmp_path / 'insights.db'}",
        hrbot_identity_secret="test-secret",
        hrbot_timezone="UTC",
        _env_file=None,
    )
    db.dispose_all()


def refuse(settings: InsightsSettings, question: str, lang: str, who: str, closest: str) -> str:
    """A refusal as the policy action records it: the closest passages are kept with it."""
    near = [Source(source=closest, title=closest, section="")]
    return record_answer(
        question=question,
        lang=lang,
        sender_id=f"web:{who}",
        employee_id=who,
        channel="web",
        answer=Answer(answer="I couldn't find that.", confident=False, confidence=0.1, sources=near),
        outcome="refused",
        index_version="index 1",
        settings=settings,
    ).id


def test_questions_group_by_topic_across_languages_and_leave_when_resolved(settings) -> None:
    dental = [
        refuse(settings, "what is the deductible of the dental plan?", "en", "E1", "benefits.md"),
        refuse(settings, "How much is the dental insurance deductible this year?", "en", "E2", "benefits.md"),
        refuse(settings, "牙科保险的免赔额是多少？", "zh", "E3", "benefits.md"),
    ]
    parking = refuse(settings, "Can I get a parking permit for my bicycle?", "en", "E4", "facilities.md")
    today = db.utcnow().date()
    groups = open_groups(Filters(start=today, end=today), settings)
    by_member = {i: g for g in groups for i in g["answer_ids"]}
    assert by_member[dental[0]] is by_member[dental[1]] is by_member[dental[2]], groups
    group = by_member[dental[0]]
    assert parking not in group["answer_ids"]
    assert group["questions"] == 3 and group["people"] == 3
    assert group["languages"] == {"en": 2, "zh": 1} and group["reasons"] == {"refused": 3}

    resolve(group["answer_ids"], "dental-plan.md", settings)
    left = open_groups(Filters(start=today, end=today), settings)
    assert [g["answer_ids"] for g in left] == [[parking]]


def test_low_confidence_answers_and_repeated_handoffs(settings) -> None:
    from insights.records import record_handoff
    from insights.report import summary

    def answered(confidence: float) -> str:
        return record_answer(
            question=f"is overtime paid on holidays ({confidence})?",
            lang="en",
            sender_id="web:E9",
            employee_id="E9",
            channel="web",
            answer=Answer(answer="Overtime …", confident=True, confidence=confidence),
            outcome="answered",
            index_version="index 1",
            min_confidence=0.39,
            settings=settings,
        ).id

    shaky, sure = answered(0.41), answered(0.8)
    today = db.utcnow().date()
    groups = open_groups(Filters(start=today, end=today), settings)
    members = [i for g in groups for i in g["answer_ids"]]
    assert shaky in members and sure not in members
    assert next(g for g in groups if shaky in g["answer_ids"])["reasons"] == {"low_confidence": 1}

    for _ in range(2):  # a double click hands the same case over twice
        record_handoff(
            sender_id="web:E9", employee_id="E9", channel="web", lang="en", case_id=7, settings=settings
        )
    cases = summary(Filters(start=today, end=today), settings)["handoff_cases"]
    assert [c["case_id"] for c in cases] == [7]
