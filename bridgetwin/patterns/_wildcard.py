"""The ``wildcard`` operator: parse ``*`` and its escapes, and bound the pattern's complexity.

``*`` matches zero or more characters and is the only metacharacter (``?`` is literal). ``\\*`` is a
literal asterisk and ``\\\\`` a literal backslash; any other backslash, and ``**``, are rejected.

Complexity (AWS: "Rule is too complex - try using fewer wildcard characters or fewer repeating
character sequences after a wildcard character"): AWS publishes no threshold. event-ruler measures
how many matcher states one input can keep active at once; we compute exactly that for the
pattern's automaton (positions in the pattern, ``*`` looping) and reject patterns above
``DEFAULT_WILDCARD_COMPLEXITY_LIMIT`` (100, our choice, configurable). The measure grows with the
number of ``*`` and with repeated sequences after them, as AWS's message describes.
"""

from __future__ import annotations

DEFAULT_WILDCARD_COMPLEXITY_LIMIT = 100
_STAR = None  # token for "*" in a parsed pattern; literal characters are 1-character strings
_SUBSET_EXPLORATION_CAP = 20_000


def parse_wildcard(text: str) -> tuple[str | None, ...]:
    """Split a wildcard pattern into literal characters and ``None`` for each ``*``.

    Raises ``ValueError`` with AWS's reason for ``**`` and for invalid escapes.
    """
    tokens: list[str | None] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in ("*", "\\"):
                raise ValueError(f"Invalid escape character at pos {i}")
            tokens.append(nxt)
            i += 2
            continue
        if char == "*":
            if tokens and tokens[-1] is _STAR:
                raise ValueError(f"Consecutive wildcard characters at pos {i}")
            tokens.append(_STAR)
        else:
            tokens.append(char)
        i += 1
    return tuple(tokens)


def wildcard_segments(tokens: tuple[str | None, ...]) -> tuple[str, ...]:
    """The literal runs between the ``*`` of a parsed pattern: ``a*b*`` -> ("a", "b", "")."""
    segments, current = [], []
    for token in tokens:
        if token is _STAR:
            segments.append("".join(current))
            current = []
        else:
            current.append(token)
    segments.append("".join(current))
    return tuple(segments)


def wildcard_match(segments: tuple[str, ...], value: str) -> bool:
    """Whether ``value`` matches the pattern whose literal runs are ``segments``.

    No backtracking: the first run must start the value and the last must end it; each run in
    between is found at its leftmost place after the previous one (taking the leftmost place
    never loses a match, since ``*`` absorbs whatever lies between). Time is linear in the
    value's length for a given pattern (``str.find`` per run), where a backtracking regex takes
    polynomial time of the pattern's degree (``*a*a*a*a*b`` on a long run of ``a``).
    """
    if len(segments) == 1:
        return value == segments[0]
    first, last = segments[0], segments[-1]
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    position = len(first)
    for segment in segments[1:-1]:
        found = value.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def wildcard_complexity(tokens: tuple[str | None, ...]) -> int:
    """The largest number of automaton states one input can keep active at the same time."""
    count = len(tokens)

    def closure(states: frozenset[int]) -> frozenset[int]:
        out = set(states)
        stack = list(states)
        while stack:
            s = stack.pop()
            if s < count and tokens[s] is _STAR and s + 1 not in out:
                out.add(s + 1)
                stack.append(s + 1)
        return frozenset(out)

    alphabet = {t for t in tokens if t is not _STAR}
    alphabet.add("\x00other")  # stands for every character the pattern does not name
    start = closure(frozenset({0}))
    seen = {start}
    frontier = [start]
    worst = len(start)
    while frontier and len(seen) < _SUBSET_EXPLORATION_CAP:
        current = frontier.pop()
        for char in alphabet:
            moved = set()
            for s in current:
                if s < count:
                    token = tokens[s]
                    if token is _STAR:
                        moved.add(s)
                    elif token == char:
                        moved.add(s + 1)
            nxt = closure(frozenset(moved))
            if nxt and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
                worst = max(worst, len(nxt))
    return worst
