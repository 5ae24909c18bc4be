"""Insights figures: aggregates over the reporting tables for a date range and filters.

Every section is a list of flat rows (the page draws a chart and a table from the same rows, and
CSV export writes them as they are). Breakdowns by channel hide a group with fewer distinct people
than HRBOT_INSIGHTS_MIN_GROUP; so does a whole report filtered to one channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from insights import db
from insights.settings import InsightsSettings, get_settings

CHANNELS = ("web", "telegram")
LANGS = ("en", "zh")
TOP_INTENTS = 10


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    channel: str | None = None
    lang: str | None = None

    @classmethod
    def last_days(cls, days: int, today: date, **kw: Any) -> Filters:
        return cls(start=today - timedelta(days=days - 1), end=today, **kw)

    def where(self, table: sa.Table) -> list[Any]:
        clauses = [table.c.day >= self.start, table.c.day <= self.end]
        if self.channel:
            clauses.append(table.c.channel == self.channel)
        if self.lang:
            clauses.append(table.c.lang == self.lang)
        return clauses


def _rows(conn: sa.Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query)]


def _people(conn: sa.Connection, f: Filters) -> int:
    """Distinct people behind the filtered messages and answers."""
    m = sa.select(db.conversation_days.c.person).where(*f.where(db.conversation_days))
    a = sa.select(db.answers.c.person).where(*f.where(db.answers))
    union = sa.union(m, a).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(union)).scalar() or 0)


def summary(f: Filters, settings: InsightsSettings | None = None) -> dict[str, Any]:
    """All sections of the insights page (hand-off reply times are added by the gateway)."""
    settings = settings or get_settings()
    min_group = settings.hrbot_insights_min_group
    out: dict[str, Any] = {
        "filters": {
            "from": f.start.isoformat(),
            "to": f.end.isoformat(),
            "channel": f.channel,
            "lang": f.lang,
        },
        "min_group": min_group,
        "suppressed": False,
    }
    with db.engine(settings).connect() as conn:
        if f.channel and _people(conn, f) < min_group:
            # a report about one channel used by fewer than min_group people would describe them
            out["suppressed"] = True
            return out
        m, a, t, h, v = db.conversation_days, db.answers, db.transactions, db.handoffs, db.votes
        i = db.intent_days

        daily = {
            r["day"]: r
            for r in _rows(
                conn,
                sa.select(
                    m.c.day,
                    sa.func.sum(m.c.messages).label("messages"),
                    sa.func.count(sa.distinct(m.c.conversation)).label("conversations"),
                )
                .where(*f.where(m))
                .group_by(m.c.day),
            )
        }
        by_lang = _rows(
            conn,
            sa.select(m.c.day, m.c.lang, sa.func.sum(m.c.messages).label("messages"))
            .where(*f.where(m))
            .group_by(m.c.day, m.c.lang),
        )
        days = []
        d = f.start
        while d <= f.end:
            row = daily.get(d, {})
            entry = {
                "day": d.isoformat(),
                "conversations": row.get("conversations", 0),
                "messages": row.get("messages", 0),
            }
            for lang in LANGS:
                entry[f"messages_{lang}"] = sum(
                    r["messages"] for r in by_lang if r["day"] == d and r["lang"] == lang
                )
            days.append(entry)
            d += timedelta(days=1)
        out["daily"] = days

        channels = []
        for r in _rows(
            conn,
            sa.select(
                m.c.channel,
                sa.func.sum(m.c.messages).label("messages"),
                sa.func.count(sa.distinct(m.c.conversation)).label("conversations"),
                sa.func.count(sa.distinct(m.c.person)).label("people"),
            )
            .where(*f.where(m))
            .group_by(m.c.channel)
            .order_by(m.c.channel),
        ):
            hidden = r["people"] < min_group
            channels.append(
                {
                    "channel": r["channel"],
                    "conversations": None if hidden else r["conversations"],
                    "messages": None if hidden else r["messages"],
                    "hidden": hidden,
                }
            )
        out["channels"] = channels

        languages = _rows(
            conn,
            sa.select(
                m.c.lang,
                sa.func.sum(m.c.messages).label("messages"),
                sa.func.count(sa.distinct(m.c.conversation)).label("conversations"),
            )
            .where(*f.where(m))
            .group_by(m.c.lang)
            .order_by(m.c.lang),
        )
        out["languages"] = languages

        outcomes = {
            r["outcome"]: r["n"]
            for r in _rows(
                conn,
                sa.select(a.c.outcome, sa.func.count().label("n")).where(*f.where(a)).group_by(a.c.outcome),
            )
        }
        answered, refused, handed = (outcomes.get(k, 0) for k in ("answered", "refused", "handed_off"))
        policy_total = answered + refused + handed
        out["policy"] = [
            {"outcome": "answered", "questions": answered},
            {"outcome": "refused", "questions": refused},
            {"outcome": "handed_off", "questions": handed},
        ]
        out["deflection"] = round(answered / policy_total, 4) if policy_total else None
        out["out_of_scope"] = outcomes.get("out_of_scope", 0)

        votes = _rows(
            conn,
            sa.select(v.c.helpful, sa.func.count().label("n"), sa.func.count(v.c.comment).label("comments"))
            .select_from(v.join(a, a.c.id == v.c.answer_id))
            .where(*f.where(a))
            .group_by(v.c.helpful),
        )
        helpful = sum(r["n"] for r in votes if r["helpful"])
        not_helpful = sum(r["n"] for r in votes if not r["helpful"])
        out["feedback"] = [
            {"vote": "helpful", "answers": helpful},
            {"vote": "not_helpful", "answers": not_helpful},
        ]
        out["feedback_ratio"] = round(helpful / (helpful + not_helpful), 4) if helpful + not_helpful else None
        out["feedback_comments"] = sum(r["comments"] for r in votes)
        out["answers_rated"] = round((helpful + not_helpful) / answered, 4) if answered else None

        out["intents"] = _rows(
            conn,
            sa.select(i.c.intent, sa.func.sum(i.c.messages).label("messages"))
            .where(*f.where(i), i.c.intent != "")
            .group_by(i.c.intent)
            .order_by(sa.func.sum(i.c.messages).desc(), i.c.intent)
            .limit(TOP_INTENTS),
        )

        tx = _rows(
            conn,
            sa.select(t.c.kind, t.c.status, sa.func.count().label("n"))
            .where(*f.where(t))
            .group_by(t.c.kind, t.c.status),
        )
        kinds = sorted({r["kind"] for r in tx})
        out["transactions"] = [
            {
                "kind": k,
                "completed": sum(r["n"] for r in tx if r["kind"] == k and r["status"] == "completed"),
                "abandoned": sum(r["n"] for r in tx if r["kind"] == k and r["status"] == "abandoned"),
                "in_progress": sum(r["n"] for r in tx if r["kind"] == k and r["status"] == "open"),
            }
            for k in kinds
        ]

        out["handoffs"] = _rows(
            conn,
            sa.select(h.c.day, sa.func.count().label("handoffs"))
            .where(*f.where(h))
            .group_by(h.c.day)
            .order_by(h.c.day),
        )
        for row in out["handoffs"]:
            row["day"] = row["day"].isoformat()
        out["handoff_cases"] = [
            {"case_id": r["case_id"], "at": r["at"]}
            for r in _rows(conn, sa.select(h.c.case_id, h.c.at).where(*f.where(h)).order_by(h.c.at))
        ]
    return out


#: sections exported as CSV (name -> column order)
CSV_SECTIONS: dict[str, list[str]] = {
    "daily": ["day", "conversations", "messages", "messages_en", "messages_zh"],
    "channels": ["channel", "conversations", "messages", "hidden"],
    "languages": ["lang", "conversations", "messages"],
    "policy": ["outcome", "questions"],
    "feedback": ["vote", "answers"],
    "intents": ["intent", "messages"],
    "transactions": ["kind", "completed", "abandoned", "in_progress"],
    "handoffs": ["day", "handoffs"],
    "handoff_times": ["case_id", "created", "first_hr_response", "minutes"],
}
