"""YAML as people mean it, for the files bridgetwin reads that are not CloudFormation templates
(scenarios, deployment manifests): PyYAML's safe loader, with two YAML 1.1 surprises removed.

- A key written twice in one mapping is an error naming both lines (YAML keeps the last one
  silently: ``slo`` written twice would drop the first list).
- A plain number with a leading zero stays text as written: YAML 1.1 reads ``011122223333`` as
  the octal number 1229530843, so an unquoted account id would become another account.

Merge keys (``<<``) still merge; a key a merge brings in may be set again explicitly.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"key {key!r} appears twice (first on line {seen[key] + 1}); YAML would keep "
                    "only the last", key_node.start_mark,
                )  # fmt: skip
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "-+0":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:str", _LEADING_ZERO)
    )


def load_yaml(text: str) -> Any:
    """``text`` as YAML (JSON is YAML too). Raises ``yaml.YAMLError`` with the line."""
    return yaml.load(text, Loader=_Loader)
