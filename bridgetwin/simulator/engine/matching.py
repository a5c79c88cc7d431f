"""Which enabled rules of a bus match an event: one pattern index per bus, built once."""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import Graph, Rule
from bridgetwin.patterns import PatternIndex


class RuleMatcher:
    """The enabled rules with a pattern, indexed by bus."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._indexes: dict[str, PatternIndex[str]] = {}
        for rule in graph.rules:
            if rule.enabled and rule.pattern is not None:
                self._indexes.setdefault(rule.bus, PatternIndex()).add(rule.id, rule.pattern)

    def rules_matching(self, bus_id: str, event: dict[str, Any]) -> list[Rule]:
        """The enabled rules on ``bus_id`` whose pattern matches ``event``."""
        index = self._indexes.get(bus_id)
        return [self._graph.get(rid) for rid in index.matching(event)] if index else []
