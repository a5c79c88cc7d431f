"""HTTP parameters a connection or a rule target adds to every request, and the one rule that
keeps credentials out of templates.

A connection holds two sets of parameters, each a list of headers, query strings and body fields
(0-100 entries per list, eventbridge-facts §2): the *invocation* parameters sent with every call to
the API destination, and, for OAuth, the extra parameters sent to the token endpoint (an
``audience``, a ``scope``). EventBridge keeps them in the connection's Secrets Manager secret, but
a value written as a literal also sits in the CloudFormation template in plain text. So values are
either plain strings that are not credentials, or :class:`SecretParameter` references to Secrets
Manager::

    connection_header_parameters={
        "x-tenant": "acme",
        "x-signature-key": SecretParameter.from_secret(signing_secret, field="key"),
    }

A rule target's own ``header_parameters``/``query_string_parameters`` have no secret form at all:
they are written to the rule. Values that look like credentials are refused there with a pointer
to the connection's secret parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_events as events
from aws_cdk import aws_secretsmanager as secretsmanager

from bridgetwin.constructs._validation import ValidationError, is_token

MAX_PARAMETERS = 100
"""Entries per header, query-string or body list of a connection (ConnectionHttpParameters)."""
MAX_KEY_LENGTH = MAX_VALUE_LENGTH = 512
"""Longest key and value (HeaderKey/HeaderValue, QueryStringKey/QueryStringValue)."""
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""RFC 9110 ``token``: what an HTTP header name may contain."""
_CREDENTIAL_NAME = re.compile(
    r"auth|api[-_]?key|apikey|secret|passw|token|cookie|session|credential|signature",
    re.IGNORECASE,
)
_CREDENTIAL_VALUE = re.compile(
    r"^(bearer|basic|digest|token|apikey)\s+\S|AKIA[0-9A-Z]{16}|-----BEGIN ", re.IGNORECASE
)


@dataclass(frozen=True)
class SecretParameter:
    """A parameter value kept in Secrets Manager; the template only holds a
    ``{{resolve:secretsmanager:...}}`` reference. Build one with :meth:`from_secret`."""

    secret: secretsmanager.ISecret
    field: str | None = None

    @classmethod
    def from_secret(
        cls, secret: secretsmanager.ISecret, *, field: str | None = None
    ) -> SecretParameter:
        """The secret's value, or the JSON key ``field`` of it. Default: - the whole string."""
        return cls(secret, field)

    def _value(self):  # -> cdk.SecretValue
        if self.field:
            return self.secret.secret_value_from_json(self.field)
        return self.secret.secret_value


ParameterValue = str | SecretParameter
"""A connection parameter: a plain (non-credential) string or a :class:`SecretParameter`."""


def credential_reason(name: str, value: str) -> str | None:
    """Why a literal ``name: value`` looks like a credential, or ``None``. Values read from the
    event at run time (JSONPaths, ``$.detail.x``), tokens and dynamic references are not
    literals."""
    if is_token(value) or value.startswith(("$.", "{{resolve:")):
        return None
    if _CREDENTIAL_VALUE.search(value):
        return "its value has the shape of a credential"
    if _CREDENTIAL_NAME.search(name):
        return "its name says it carries a credential"
    return None


def check_parameters(
    prop: str, parameters: Mapping[str, object] | None, *, header: bool, secret_form: bool
) -> None:
    """Keys, values and count of one parameter map. ``header``: keys are HTTP header names.
    ``secret_form``: :class:`SecretParameter` values are allowed (connections, not targets)."""
    if parameters is None:
        return
    if not isinstance(parameters, Mapping):
        raise ValidationError(f"'{prop}' must be a mapping of names to values")
    if len(parameters) > MAX_PARAMETERS:
        raise ValidationError(
            f"'{prop}' may hold at most {MAX_PARAMETERS} entries, got {len(parameters)}"
        )
    for key, value in parameters.items():
        _check_key(prop, key, header=header)
        if isinstance(value, SecretParameter) and secret_form:
            continue
        if not isinstance(value, str):
            allowed = "a string or a SecretParameter" if secret_form else "a string"
            raise ValidationError(f"'{prop}[{key!r}]' must be {allowed}, got {value!r}")
        if is_token(value):
            continue
        if len(value) > MAX_VALUE_LENGTH or (header and re.search(r"[\r\n\x00]", value)):
            raise ValidationError(
                f"'{prop}[{key!r}]' must be at most {MAX_VALUE_LENGTH} characters without CR, "
                f"LF or NUL, got {value[:60]!r}"
            )
        reason = credential_reason(key, value)
        if reason:
            where = (
                "pass it as SecretParameter.from_secret(secret, field=...)"
                if secret_form
                else "put it on the connection instead: the authorization (DeliveryAuth) or "
                "connection_header_parameters/connection_query_string_parameters with "
                "SecretParameter.from_secret(secret, field=...)"
            )
            raise ValidationError(
                f"'{prop}[{key!r}]' looks like a credential ({reason}); a literal would sit in "
                f"the CloudFormation template in plain text: {where}"
            )


def check_header_name(prop: str, name: object) -> None:
    """One HTTP header name (an API key's header, say)."""
    _check_key(prop, name, header=True)


def _check_key(prop: str, key: object, *, header: bool) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            f"'{prop}' keys must be strings of 1 to {MAX_KEY_LENGTH} characters, got {key!r}"
        )
    if header and not _HEADER_NAME.fullmatch(key):
        raise ValidationError(
            f"'{prop}' key {key!r} is not a valid HTTP header name (letters, digits and "
            "!#$%&'*+-.^_`|~ only; no spaces, CR or LF)"
        )


def bind_parameters(
    parameters: Mapping[str, ParameterValue] | None,
) -> dict[str, events.HttpParameter] | None:
    """CDK's form of a checked parameter map."""
    if not parameters:
        return None
    return {
        key: events.HttpParameter.from_secret(value._value())
        if isinstance(value, SecretParameter)
        else events.HttpParameter.from_string(value)
        for key, value in parameters.items()
    }
