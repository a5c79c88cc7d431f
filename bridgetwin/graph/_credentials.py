"""What a credential written into a template looks like, for ``bridgetwin lint``'s
``plaintext-secret``: a header or query parameter with a credential's name, an HTTP auth scheme,
or a password or key in an endpoint URL. Only literal text counts: a value that comes from a
parameter, a reference or a dynamic reference (``{{resolve:...}}``) is not written in the
template."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

CREDENTIAL_NAMES = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "apikey", "api_key",
    "x-auth-token", "auth-token", "token", "access_token", "client_secret", "secret", "password",
    "sig", "signature", "code",
})  # fmt: skip
CREDENTIAL_SCHEMES = ("bearer ", "basic ", "token ", "digest ")


def _literal(value: str) -> bool:
    return bool(value) and "${" not in value and "{{resolve:" not in value


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of an endpoint URL that hold a literal credential: a password in its user
    information, or a query parameter with a credential's name."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return ()
    found = []
    if password and _literal(password):
        found.append("InvocationEndpoint user:password")
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in CREDENTIAL_NAMES and _literal(value):
            found.append(f"InvocationEndpoint query parameter {name}")
    return tuple(found)
