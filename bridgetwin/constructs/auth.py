"""How an API destination authenticates: a closed set of variants, all secrets from Secrets Manager.

Each factory takes an ``ISecret`` (and the JSON field holding the value), so secret material can
only reach CloudFormation as a ``{{resolve:secretsmanager:...}}`` reference, never as text::

    DeliveryAuth.api_key("x-api-key", secret, field="api_key")
    DeliveryAuth.basic("svc-user", secret, field="password")
    DeliveryAuth.oauth_client_credentials("https://auth.example.com/token", "client-id", secret)
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_events as events
from aws_cdk import aws_secretsmanager as secretsmanager

from bridgetwin.constructs._validation import check_choice, check_https

OAUTH_HTTP_METHODS = ("GET", "POST", "PUT")
"""Methods EventBridge accepts for the OAuth token endpoint (ConnectionOAuthHttpMethod)."""


@dataclass(frozen=True)
class DeliveryAuth:
    """A connection's authorization. Build one with ``api_key``, ``basic`` or
    ``oauth_client_credentials``."""

    authorization_type: str
    secret: secretsmanager.ISecret
    field: str | None
    name: str
    """Header name (API key), user name (Basic) or client ID (OAuth)."""
    token_endpoint: str | None = None
    token_http_method: str | None = None

    @classmethod
    def api_key(
        cls, header: str, secret: secretsmanager.ISecret, *, field: str | None = None
    ) -> DeliveryAuth:
        """Send the secret in ``header``. ``field``: JSON key in the secret. Default: - the whole
        secret string."""
        return cls("API_KEY", secret, field, header)

    @classmethod
    def basic(
        cls, username: str, secret: secretsmanager.ISecret, *, field: str | None = None
    ) -> DeliveryAuth:
        """HTTP Basic with ``username`` and the secret as the password."""
        return cls("BASIC", secret, field, username)

    @classmethod
    def oauth_client_credentials(
        cls,
        token_endpoint: str,
        client_id: str,
        client_secret: secretsmanager.ISecret,
        *,
        field: str | None = None,
        http_method: str = "POST",
    ) -> DeliveryAuth:
        """OAuth client credentials: EventBridge fetches, caches and refreshes the token.

        ``http_method`` for the token endpoint: GET, POST or PUT. Default: POST.
        """
        check_https("token_endpoint", token_endpoint)
        check_choice("http_method", http_method, OAUTH_HTTP_METHODS)
        return cls(
            "OAUTH_CLIENT_CREDENTIALS", client_secret, field, client_id, token_endpoint, http_method
        )

    def _bind(self) -> events.Authorization:
        value = (
            self.secret.secret_value_from_json(self.field)
            if self.field
            else self.secret.secret_value
        )
        if self.authorization_type == "API_KEY":
            return events.Authorization.api_key(self.name, value)
        if self.authorization_type == "BASIC":
            return events.Authorization.basic(self.name, value)
        return events.Authorization.oauth(
            authorization_endpoint=self.token_endpoint or "",
            client_id=self.name,
            client_secret=value,
            http_method=events.HttpMethod(self.token_http_method or "POST"),
        )
