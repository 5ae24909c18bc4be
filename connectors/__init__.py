"""Channel connectors (web gateway, Telegram): translate between a channel and Rasa; no HR rules."""
