"""Which Region each resource of a configuration deploys to, read from its providers.

A ``provider "aws"`` block configures the default provider, one with an ``alias`` another
(``aws.west``); a resource picks one with ``provider = aws.west``, and a module call passes them
down with ``providers = { aws = aws.west }`` (without it, a module inherits the default). A
resource's own ``region`` argument (the AWS provider's version 6) wins over its provider's.
What is not known offline (a Region from a variable without a value) leaves the resource in the
default provider's Region; :mod:`._terraform_regions` splits the template by these Regions.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

from bridgetwin.graph._hcl_module import Module, _items


def configuration_regions(root: Module) -> tuple[dict[str, str | None], str | None]:
    """address -> Region of every resource instance (None: not known), and the default
    provider's Region."""
    regions: dict[str, str | None] = {}
    configurations = _configurations(root, {})
    _walk(root, configurations, regions)
    return regions, configurations.get("aws")


def _walk(module: Module, configurations: dict[str, str | None], regions: dict) -> None:
    chosen = {}
    for kind, labels, body in module.blocks:
        settings = {n: e for n, _, e in _items(body)}
        if kind == "resource" and len(labels) == 2 and "provider" in settings:
            chosen[(labels[0], labels[1])] = _dotted(settings["provider"])
    for (rtype, name), found in module.instances.items():
        key = chosen.get((rtype, name), "aws")
        if key not in configurations and key != "aws":
            base = ".".join(filter(None, [module.address, f"{rtype}.{name}"]))
            written = key or "(not a reference)"
            module.reader.warn(f"{base}: provider {written} is not configured here; its "
                               "resources are placed in the default provider's Region")  # fmt: skip
        for address in found.values():
            own = module.instance_values(address).get("region")
            regions[address] = own if isinstance(own, str) else configurations.get(key)
    for kind, labels, body in module.blocks:
        child = module.children.get(labels[0]) if kind == "module" and labels else None
        if child is None:
            continue
        passed = {"aws": configurations.get("aws")}  # the default is inherited
        settings = {n: e for n, _, e in _items(body)}
        if "providers" in settings:
            for element in settings["providers"].find_data("object_elem"):
                inner, outer = element.children[0], element.children[-1]
                passed[_dotted(inner)] = configurations.get(_dotted(outer))
        _walk(child, _configurations(child, passed), regions)


def _configurations(module: Module, inherited: dict[str, str | None]) -> dict[str, str | None]:
    """The AWS provider configurations a module sees: passed down, then its own blocks."""
    found = dict(inherited)
    for kind, labels, body in module.blocks:
        if kind != "provider" or labels != ["aws"]:
            continue
        settings = {n: e for n, _, e in _items(body)}
        scope = module.scope()
        alias = module.value(settings["alias"], scope, "provider.aws.alias") if (
            "alias" in settings) else None  # fmt: skip
        key = f"aws.{alias}" if isinstance(alias, str) else "aws"
        region = module.value(settings["region"], scope, f"provider.{key}.region") if (
            "region" in settings) else None  # fmt: skip
        found[key] = region if isinstance(region, str) else None
    return found


def _dotted(node: Any) -> str:
    """A provider reference as written (``aws.west``): its names joined by dots."""
    if not isinstance(node, Tree):
        return str(node)
    names = [t for t in node.scan_values(lambda v: isinstance(v, Token)) if t.type == "NAME"]
    return ".".join(str(t) for t in names)
