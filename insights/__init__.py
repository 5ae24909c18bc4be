"""Curator insights: what employees ask, what the assistant could not answer, and closing those gaps.

Data flow (README, Insights): Rasa streams conversation events to an SQL event broker
(``bot/rasa_runtime/event_broker.py``, table ``broker_events``); the policy action records each
answer and hand-off itself (``insights.records``); the gateway records votes. ``insights.importer``
turns broker events into reporting tables; ``insights.report`` and ``insights.gaps`` read them.
Only masked question texts and pseudonymous keys are stored: never who asked.
"""
