"""``python -m connectors.notify [--once] [--no-rules]``: the notifier process."""

from connectors.notify.worker import main

main()
