"""Web gateway: chat API, embeddable widget, knowledge admin page, Telegram link codes."""
