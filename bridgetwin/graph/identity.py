"""AWS's identity formats, checked where a person writes them (deployment manifests, ``--stack``
specs, scenarios): an account is 12 digits, and a Region must be one some AWS partition could
have. The partitions' Region patterns are the SDKs' own (botocore ``endpoints.json``,
``regionRegex`` of each partition), so a Region AWS opens later is accepted as it opens, and a
name no partition can have (``mars-north-9``, ``us-east1``) is refused with the forms allowed.
"""

from __future__ import annotations

import re

ACCOUNT = re.compile(r"^\d{12}$")
REGION_PATTERNS = (
    r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",  # aws
    r"^cn\-\w+\-\d+$",  # aws-cn
    r"^us\-gov\-\w+\-\d+$",  # aws-us-gov
    r"^us\-iso\-\w+\-\d+$",  # aws-iso
    r"^us\-isob\-\w+\-\d+$",  # aws-iso-b
    r"^eu\-isoe\-\w+\-\d+$",  # aws-iso-e
    r"^us\-isof\-\w+\-\d+$",  # aws-iso-f
    r"^eusc\-(de)\-\w+\-\d+$",  # aws-eusc
)
_REGIONS = tuple(re.compile(p) for p in REGION_PATTERNS)


def account_problem(value: str) -> str | None:
    """Why ``value`` is not an AWS account id, or None."""
    if ACCOUNT.match(value):
        return None
    return f"'{value}' is not an account id (12 digits, e.g. 111122223333; quote it in YAML)"


def region_problem(value: str) -> str | None:
    """Why ``value`` is not a Region name any AWS partition could have, or None."""
    if any(p.match(value) for p in _REGIONS):
        return None
    return (
        f"'{value}' is not an AWS Region (e.g. us-east-1, eu-west-2, ap-southeast-1, "
        "cn-north-1, us-gov-west-1)"
    )
