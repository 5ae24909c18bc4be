"""Channels a notice can reach. Another messaging app is one new module implementing ``Channel``."""

from connectors.notify.channels.base import Channel, ChannelError, Outgoing

__all__ = ["Channel", "ChannelError", "Outgoing"]
