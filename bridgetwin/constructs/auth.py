"""How an API destination authenticates: a closed set of variants, all secrets from Secrets Manager.

Each factory takes an ``ISecret`` (and the JSON field holding the value), so secret material can
only reach CloudFormation as a ``{{resolve:secretsmanager:...}}`` reference, never as text::

    DeliveryAuth.api_key("x-api-key", secret, field="api_key")
    DeliveryAuth.basic("svc-user", secret, field="password")
    DeliveryAuth.oauth_client_credentials(
        "https://auth.example.com/token", "client-id", secret, field="client_secret",
        body_parameters={"audience": "https://api.example.com", "scope": "orders:write"},
    )

OAuth's extra token-request parameters are those of CDK's ``Authorization.oauth``; a value that is
itself secret is a :class:`~bridgetwin.constructs.SecretParameter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_events as events
from aws_cdk import aws_secretsmanager as secretsmanager

from bridgetwin.constructs._validation import ValidationError, check_choice, check_https
from bridgetwin.constructs.http_parameters import (
    ParameterValue,
    bind_parameters,
    check_header_name,
    check_parameters,
)

OAUTH_HTTP_METHODS = ("GET", "POST", "PUT")
"""Methods EventBridge accepts for the OAuth token endpoint (ConnectionOAuthHttpMethod)."""

_Parameters = tuple[tuple[str, ParameterValue], ...]


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
    oauth_body_parameters: _Parameters = ()
    oauth_header_parameters: _Parameters = ()
    oauth_query_string_parameters: _Parameters = ()

    @classmethod
    def api_key(
        cls, header: str, secret: secretsmanager.ISecret, *, field: str | None = None
    ) -> DeliveryAuth:
        """Send the secret in ``header``. ``field``: JSON key in the secret. Default: - the whole
        secret string."""
        check_header_name("header", header)
        return cls("API_KEY", secret, field, header)

    @classmethod
    def basic(
        cls, username: str, secret: secretsmanager.ISecret, *, field: str | None = None
    ) -> DeliveryAuth:
        """HTTP Basic with ``username`` and the secret as the password."""
        if not isinstance(username, str) or not username:
            raise ValidationError(f"'username' must be a non-empty string, got {username!r}")
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
        body_parameters: Mapping[str, ParameterValue] | None = None,
        header_parameters: Mapping[str, ParameterValue] | None = None,
        query_string_parameters: Mapping[str, ParameterValue] | None = None,
    ) -> DeliveryAuth:
        """OAuth client credentials: EventBridge fetches, caches and refreshes the token.

        Args:
            token_endpoint: The HTTPS token URL.
            client_id: The OAuth client ID (not secret).
            client_secret: The secret holding the client secret (``field``: its JSON key).
                Default field: - the whole secret string.
            http_method: Method for the token endpoint: GET, POST or PUT. Default: POST.
            body_parameters / header_parameters / query_string_parameters: Extra parameters of
                the token request, such as ``audience`` and ``scope`` (at most 100 each).
                Default: - none.
        """
        check_https("token_endpoint", token_endpoint)
        check_choice("http_method", http_method, OAUTH_HTTP_METHODS)
        if not isinstance(client_id, str) or not client_id:
            raise ValidationError(f"'client_id' must be a non-empty string, got {client_id!r}")
        check_parameters("body_parameters", body_parameters, header=False, secret_form=True)
        check_parameters("header_parameters", header_parameters, header=True, secret_form=True)
        check_parameters(
            "query_string_parameters", query_string_parameters, header=False, secret_form=True
        )
        return cls(
            "OAUTH_CLIENT_CREDENTIALS",
            client_secret,
            field,
            client_id,
            token_endpoint,
            http_method,
            tuple((body_parameters or {}).items()),
            tuple((header_parameters or {}).items()),
            tuple((query_string_parameters or {}).items()),
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
            body_parameters=bind_parameters(dict(self.oauth_body_parameters)),
            header_parameters=bind_parameters(dict(self.oauth_header_parameters)),
            query_string_parameters=bind_parameters(dict(self.oauth_query_string_parameters)),
        )
