"""The resilient PutEvents producer (:mod:`.publisher`) and its configuration (:mod:`.config`).

Importing this package is light: boto3 loads when a publisher creates its client.
"""

from __future__ import annotations

from bridgetwin.producer.config import PublisherConfig, entry_size
from bridgetwin.producer.publisher import EntryTooLarge, EventPublisher

__all__ = ["EntryTooLarge", "EventPublisher", "PublisherConfig", "entry_size"]
