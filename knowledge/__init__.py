"""Knowledge base: ingestion, Chroma store, hybrid retrieval, cited answers, evaluation.

Importing this package is cheap (no model, no jieba, no Chroma): see `knowledge.api`.
"""

from knowledge.api import KnowledgeBase, answer, default_kb
from knowledge.models import Answer, DocumentInfo, EvalReport, IngestReport, Source
from knowledge.settings import KnowledgeSettings

__all__ = [
    "Answer",
    "DocumentInfo",
    "EvalReport",
    "IngestReport",
    "KnowledgeBase",
    "KnowledgeSettings",
    "Source",
    "answer",
    "default_kb",
]
