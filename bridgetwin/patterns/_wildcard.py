"""The ``wildcard`` operator: parse ``*`` and its escapes, and bound the pattern's complexity.

``*`` matches zero or more characters and is the only metacharacter (``?`` is literal). ``\\*`` is a
literal asterisk and ``\\\\`` a literal backslash; any other backslash, and ``**``, are rejected.

Complexity (AWS: "Rule is too complex - try using fewer wildcard characters or fewer repeating
character sequences after a wildcard character"): AWS publishes no threshold. event-ruler measures
how many matcher states one input can keep active at once; we compute exactly that for the
pattern's automaton (positions in the pattern, ``*`` looping), in O(n^2), and reject patterns above
``DEFAULT_WILDCARD_COMPLEXITY_LIMIT`` (100, our choice, configurable). The measure grows with the
number of ``*`` and with repeated sequences after them, as AWS's message describes.
"""

from __future__ import annotations

DEFAULT_WILDCARD_COMPLEXITY_LIMIT = 100
_STAR = None  # token for "*" in a parsed pattern; literal characters are 1-character strings


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


def _failure(literal: list[str]) -> list[int]:
    """KMP's failure function: ``f[q]`` is the longest proper border of ``literal[:q]``."""
    f = [0] * (len(literal) + 1)
    k = 0
    for q in range(1, len(literal)):
        while k and literal[q] != literal[k]:
            k = f[k]
        if literal[q] == literal[k]:
            k += 1
        f[q + 1] = k
    return f


def wildcard_complexity(tokens: tuple[str | None, ...]) -> int:
    """The largest number of automaton states one input can keep active at the same time.

    With every ``*`` reached (which only adds states), the ``*`` states and the first state of
    each literal run after them are always active, and offset j >= 1 of a run c is active exactly
    when the input ends with ``c[:j]``. Whatever the input, the longest such ending is some
    ``c_a[:L]``, and every other active offset is a prefix of a run that is a suffix of it. So the
    answer is the constant part plus, over those O(n) candidate endings, the most run prefixes
    that end them: counted for every (candidate run, run) pair with a KMP automaton, O(n^2) in all
    where exploring the automaton's subsets is exponential in the worst case.
    """
    count = len(tokens)
    stars = [i for i, token in enumerate(tokens) if token is _STAR]
    if not stars:
        return 1  # a literal: one state at a time
    runs: list[tuple[list[str], int]] = []  # literal after each *, and the largest offset to count
    for star in stars:
        end = next((j for j in range(star + 1, count) if tokens[j] is _STAR), count)
        literal = [t for t in tokens[star + 1 : end] if t is not None]
        # offset len(literal) is the next * (already counted) unless the run ends the pattern
        runs.append((literal, len(literal) if end == count else len(literal) - 1))
    constant = len(stars) + len(stars)  # each * and the state after it (no "**" to share one)
    tables = []
    for literal, cap in runs:
        failure = _failure(literal)
        depth = [0] * (len(literal) + 1)  # offsets >= 1 on the border chain of literal[:q]
        for q in range(1, len(literal) + 1):
            depth[q] = depth[failure[q]] + 1
        tables.append((literal, failure, depth, cap))
    best = 0
    for text, _ in runs:
        totals = [0] * (len(text) + 1)
        for literal, failure, depth, cap in tables:
            q = 0
            for position, char in enumerate(text, start=1):
                if q == len(literal):
                    q = failure[q]
                while q and literal[q] != char:
                    q = failure[q]
                if literal and literal[q] == char:
                    q += 1
                totals[position] += depth[q] - (1 if q > cap else 0)
        best = max(best, *totals)
    return constant + best
