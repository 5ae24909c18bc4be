"""Telegram connector (python-telegram-bot): forwards private text messages to Rasa."""
