"""RasaClient over real HTTP to the Rasa stand-in, and reply normalisation edge cases."""

from __future__ import annotations

import pytest

from connectors.rasa_client import RasaClient, RasaUnavailable, normalise_reply
from tests.connectors.servers import RecordingRasa, free_port


async def test_send_builds_contract_body(rasa: RecordingRasa) -> None:
    client = RasaClient(rasa.url, timeout_s=5)
    try:
        out = await client.send("web:E1001", "hi", identity="tok", lang="zh", channel="web")
    finally:
        await client.aclose()
    assert out == [{"text": "echo: hi"}]
    assert rasa.last() == {
        "sender": "web:E1001",
        "message": "hi",
        "metadata": {"hrbot": {"identity": "tok", "lang": "zh", "channel": "web"}},
    }


async def test_unreachable_raises() -> None:
    client = RasaClient(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(RasaUnavailable):
        await client.send("web:anon:x", "hi", identity=None, lang=None, channel="web")
    await client.aclose()


async def test_non_json_raises(rasa: RecordingRasa) -> None:
    rasa.fail_with = 500
    client = RasaClient(rasa.url)
    with pytest.raises(RasaUnavailable):
        await client.send("web:anon:x", "hi", identity=None, lang=None, channel="web")
    await client.aclose()


def test_normalise_is_robust() -> None:
    assert normalise_reply({"not": "a list"}) == []
    assert normalise_reply([None, 3, {"recipient_id": "x"}]) == []
    assert normalise_reply([{"text": None, "buttons": [{"title": "A"}, "junk"]}]) == [
        {"text": "", "buttons": [{"title": "A", "payload": "A"}]}
    ]
    assert normalise_reply([{"custom": {"citations": ["a.md", 5]}}]) == [
        {"text": "", "citations": [{"title": "a.md", "section": "", "source": "a.md"}]}
    ]


def test_custom_item_after_text_is_merged() -> None:
    """utter_message(response=..., json_message={"citations": [...]}) arrives as two REST items."""
    cit = {"title": "Leave policy", "section": "2.1", "source": "policies/leave.md"}
    items = [
        {"recipient_id": "u", "text": "15 days."},
        {"recipient_id": "u", "custom": {"citations": [cit]}},
        {"recipient_id": "u", "text": "Your balances:"},
        {"recipient_id": "u", "custom": {"list": ["annual: 10"]}},
        {"recipient_id": "u", "custom": {"list": ["sick: 5"]}},
    ]
    assert normalise_reply(items) == [
        {"text": "15 days.", "citations": [cit]},
        {"text": "Your balances:", "list": ["annual: 10"]},
        {"text": "", "list": ["sick: 5"]},
    ]
    assert normalise_reply([{"custom": {"list": ["a"]}}]) == [{"text": "", "list": ["a"]}]
