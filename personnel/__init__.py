"""Personnel backend: the HR system of record the chatbot actions call over HTTP.

Run it with ``python -m personnel`` (or ``uvicorn personnel.app.main:app --port 8100``).
"""
