"""Rasa NLU components of this project. They run inside the Rasa environment (.venv-rasa)."""
