"""Where a CloudFormation resource type exists, from cfn-lint's per-Region resource data.

cfn-lint ships, for every Region it knows, the list of resource types CloudFormation offers there
(a runtime dependency already, for reading YAML templates). ``AWS::Events::Endpoint`` is missing
from many Regions (af-south-1, eu-south-2, the China and GovCloud Regions, ...), and a global
endpoint there fails only at deploy time, half-way through a two-stack deployment.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from aws_cdk import Annotations
from constructs import Construct

from bridgetwin.constructs._validation import ValidationError

_PROVIDERS = "cfnlint.data.schemas.providers"


@functools.cache
def _types(region: str) -> frozenset[str] | None:
    entry = resources.files(_PROVIDERS).joinpath(f"{region}.json")
    if region == "sam" or not entry.is_file():
        return None
    return frozenset(json.loads(entry.read_text("utf-8")))


def offers(region: str, resource_type: str) -> bool | None:
    """Whether CloudFormation offers ``resource_type`` in ``region``; ``None`` for a Region
    cfn-lint does not know (newer than its data, or misspelled)."""
    types = _types(region)
    return None if types is None else resource_type in types


def regions_offering(resource_type: str) -> list[str]:
    regions = (e.name[: -len(".json")] for e in resources.files(_PROVIDERS).iterdir()
               if e.name.endswith(".json"))  # fmt: skip
    return sorted(r for r in regions if offers(r, resource_type))


def require_type(scope: Construct, region: str, resource_type: str, who: str, what: str) -> None:
    """Refuse ``region`` when CloudFormation does not offer ``resource_type`` there (``who``
    is in it; ``what`` is available elsewhere), naming the Regions that have it; warn on
    ``scope`` when cfn-lint does not know the Region."""
    available = offers(region, resource_type)
    if available is False:
        raise ValidationError(
            f"{who} is in {region}, where CloudFormation does not offer {resource_type}; "
            f"{what} available in: {', '.join(regions_offering(resource_type))}"
        )
    if available is None:
        Annotations.of(scope).add_warning_v2(
            "bridgetwin:unknown-region",
            f"{region} is not in cfn-lint's Region data, so whether it offers {resource_type} "
            "was not checked",
        )
