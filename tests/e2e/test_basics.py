"""End to end over HTTP: the real Rasa server with the trained model, the real action server, the
backend and the knowledge base, talking as the connectors do (Rasa's REST channel + metadata)."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.stack import Stack, texts

pytestmark = pytest.mark.stack

CJK = re.compile(r"[\u4e00-\u9fff]")


def sender() -> str:
    return f"web:anon:{uuid.uuid4()}"


def test_greets_and_helps_in_english(stack: Stack) -> None:
    who = sender()
    reply = texts(stack.say(who, "hello"))
    assert "HR assistant" in reply and not CJK.search(reply)
    help_replies = stack.say(who, "what can you do?")
    assert any(r.get("buttons") for r in help_replies), help_replies
    assert "leave" in texts(help_replies).lower()


def test_greets_and_helps_in_chinese(stack: Stack) -> None:
    who = sender()
    reply = texts(stack.say(who, "你好"))
    assert "人事助手" in reply
    help_replies = stack.say(who, "你能做什么")
    assert "请假" in texts(help_replies)
    titles = [b["title"] for r in help_replies for b in r.get("buttons", [])]
    assert titles and all(CJK.search(t) for t in titles), titles


def test_reply_language_follows_the_user(stack: Stack) -> None:
    who = sender()
    assert CJK.search(texts(stack.say(who, "谢谢")))
    assert not CJK.search(texts(stack.say(who, "thank you")))


def test_a_chinese_sentence_with_english_terms_gets_a_chinese_reply(stack: Stack) -> None:
    """Mixed messages are Chinese sentences with English terms far more often than the reverse:
    as many Chinese words (jieba's) as English ones reads as Chinese; an English sentence naming a
    Chinese course stays English."""
    chinese = texts(stack.say(sender(), "帮我请 annual leave, Dec 16 to 18, 谢谢", employee="E1001"))
    assert len(CJK.findall(chinese)) > 10, chinese
    english = texts(stack.say(sender(), "when is the Python 数据分析 course?", employee="E1001"))
    assert english and len(CJK.findall(english)) < len(english) / 10, english


def test_a_course_code_is_no_english_word(stack: Stack) -> None:
    """The letters of a course code ("DA-101") do not make a Chinese sentence English: "OK 介绍DA-101"
    is one Chinese word against "OK", and gets a Chinese reply."""
    reply = texts(stack.say(sender(), "OK 介绍DA-101", employee="E1001"))
    assert len(CJK.findall(reply)) > 10, reply


def test_neutral_text_uses_the_channel_language(stack: Stack) -> None:
    """An emoji alone says nothing about language: the widget's language switch decides."""
    replies = stack.say(sender(), "👋🙂", lang="zh")
    assert replies and CJK.search(texts(replies)), replies


def test_out_of_scope_is_declined_politely(stack: Stack) -> None:
    assert "outside" in texts(stack.say(sender(), "tell me a joke")).lower()
    assert "超出" in texts(stack.say(sender(), "讲个笑话"))


def test_huge_and_odd_messages_get_an_answer_not_an_error(stack: Stack) -> None:
    for message in ["a" * 5000, "🙂" * 300, "<script>alert(1)</script>", "年假 annual leave 🤔 ???"]:
        replies = stack.say(sender(), message)
        assert replies and texts(replies).strip(), message[:40]


def test_internal_services_are_not_reachable_from_other_machines(stack: Stack) -> None:
    """The backend, the action server and Rasa listen on loopback only (the gateway is the door)."""
    import socket

    try:  # the address other machines reach us on (a UDP "connect" sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            outward = [probe.getsockname()[0]]
    except OSError:
        outward = []
    outward = [ip for ip in outward if not ip.startswith("127.")]
    if not outward:
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    for name in ("personnel", "actions", "rasa"):
        port = stack.ports[name]
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((outward[0], port)) != 0, f"{name} answers on {outward[0]}:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # and it does answer on loopback


def test_the_action_server_loads_the_knowledge_base_before_the_first_question(stack: Stack) -> None:
    """The embedding model and the index load at start-up, not while the first user waits, and in
    the process that answers the questions (rasa-sdk serves from a worker process of its own)."""
    import time
    from urllib.parse import urlparse

    import psutil

    port = urlparse(stack.env["ACTIONS_URL"]).port
    serving = {
        c.pid for c in psutil.net_connections(kind="tcp") if c.laddr.port == port and c.status == "LISTEN"
    }
    log = stack.workdir / "actions.log"
    deadline = time.monotonic() + 120
    while not (ready := re.findall(r"knowledge base ready: \d+ chunks \(pid (\d+)\)", log.read_text())):
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.5)
    assert {int(pid) for pid in ready} == serving - {None}, (ready, serving)


def test_a_normal_conversation_logs_no_error(stack: Stack) -> None:
    """Real errors must stand out: a normal conversation (a button with a JSON payload, a leave
    application, a policy answer, a records question) writes no ERROR line in any process's log.
    Rasa used to log one from its response interpolator for every such button."""
    logs = {path: path.stat().st_size for path in stack.workdir.glob("*.log")}
    who = f"web:E1013:{uuid.uuid4()}"
    for text in (
        "I want to apply for sick leave",
        "next Friday",
        '/inform{"half_day":"am"}',
        "doctor's appointment",
        "no",
        "how many days of annual leave do I get?",
        "who is my manager?",
        '/show_sensitive{"sensitive_field":"salary"}',
    ):
        assert stack.say(who, text, employee="E1013"), text
    for path, size in logs.items():
        with path.open("rb") as f:
            f.seek(size)
            new = f.read().decode("utf-8", "replace")
        errors = [line for line in new.splitlines() if re.search(r"\bERROR\b|Traceback", line)]
        assert not errors, f"{path.name}: {errors[:5]}"


def test_start_up_output_is_readable(stack: Stack) -> None:
    """What the processes print when they start is for people: no ERROR (rasa-sdk used to log one
    for a missing tracing file), no walls of Rasa's dependencies' deprecation warnings, no line per
    registered action."""
    for path in stack.workdir.glob("*.log"):
        text = path.read_text(encoding="utf-8", errors="replace")
        noise = [
            line
            for line in text.splitlines()
            if re.search(r"\bERROR\b|DeprecationWarning|Registered function for", line)
        ]
        assert not noise, f"{path.name}: {noise[:5]}"
