"""Detect the language of each user message so that replies come back in it.

Runs inside the Rasa server. It adds an entity ``language`` ("en" or "zh"); the slot ``language`` is
filled from it, and every response has a ``zh`` conditional variation keyed on that slot. Decision:
the text decides when it is clearly one language; mixed or neutral text (emoji, numbers, "ok")
falls back to the language the channel says the user chose (metadata ``hrbot.lang``), or without
one to the sentence's frame (a Chinese sentence-final particle: "那next year呢?"); with neither,
no entity is added and the slot keeps its previous value.
"""

from __future__ import annotations

import re
from typing import Any

import jieba
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# An English word; the letters of a code ("LD-101", "DA201", "COMP-002") are no word of a language:
# "OK 那先报LD-101" is a Chinese sentence naming a course.
LATIN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z]|[-_]?\d)")
SUPPORTED = ("en", "zh")
# A Chinese sentence-final particle ends a Chinese sentence, whatever English words it holds
# ("那next year呢?", "这个course可以吗"): the sentence's frame, not its nouns, is its language.
ZH_FRAME = re.compile(r"[呢吗吧嘛么呀啊][\s?？!！.。~～]*$")


def chinese_words(text: str) -> int:
    """How many Chinese words the text holds, as jieba (the tokenizer of the pipeline) segments
    them: "帮我请…谢谢" is four words (帮 我 请 谢谢), "数据分析" one."""
    runs = CJK_RUN.findall(text or "")
    return sum(1 for run in runs for word in jieba.lcut(run) if word.strip()) if runs else 0


def detect_language(text: str, hint: str | None = None) -> str | None:
    """Return "en", "zh" or the hint (None when nothing is known). Words are counted in each
    language; a tie goes to Chinese, because mixed messages are nearly always Chinese sentences
    with English terms in them ("帮我请 annual leave, Dec 16 to 18, 谢谢", "那next year呢?"),
    while an English sentence naming a Chinese course has many more English words."""
    zh_score = float(chinese_words(text))
    en_score = float(len(LATIN_WORD.findall(text or "")))
    hint = hint if hint in SUPPORTED else None
    if zh_score == 0 and en_score == 0:
        return hint
    mixed = zh_score > 0 and en_score > 0 and min(zh_score, en_score) / max(zh_score, en_score) > 0.5
    if mixed and hint:
        return hint  # genuinely mixed: the user's chosen language decides
    if mixed and ZH_FRAME.search(text or ""):
        return "zh"
    return "zh" if zh_score >= en_score else "en"


def _channel_hint(message: Message) -> str | None:
    metadata = message.get("metadata") or {}
    hrbot = metadata.get("hrbot") if isinstance(metadata, dict) else None
    return hrbot.get("lang") if isinstance(hrbot, dict) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds the ``language`` entity to each parsed message (not during training)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            lang = detect_language(message.get(TEXT) or "", _channel_hint(message))
            if lang is None:
                continue
            entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != "language"]
            entities.append(
                {
                    "entity": "language",
                    "value": lang,
                    "start": 0,
                    "end": 0,
                    "confidence": 1.0,
                    "extractor": "LanguageDetector",
                }
            )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
