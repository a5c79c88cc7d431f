"""One module of a Terraform configuration read from its ``.tf`` files, evaluated offline.

A :class:`Module` holds a folder's blocks (parsed by python-hcl2 into lark trees): its variables
(inputs, the root's given values, defaults; a ``sensitive`` one is never shown), its locals
(evaluated when first used), its resources expanded into instances by ``count`` and
``for_each`` (addressed as a plan addresses them, ``aws_sqs_queue.dlq["orders"]``), and its
local child modules, read the same way with their inputs. It resolves references for
:mod:`._hcl_eval`: a configured argument of another resource (a bus's ``name``) is its value, a
computed attribute (an ``arn``) a :class:`~._hcl_eval.ResourceRef`, a child's output is followed
into it; registry and remote modules are named in a warning and left out. What it cannot
evaluate is an :class:`~._hcl_eval.Unknown`, with a warning when it is an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._hcl_eval import Scope, evaluate
from bridgetwin.graph._hcl_values import EvaluationError, ResourceRef, Unknown
from bridgetwin.graph._terraform_types import ATTRIBUTES

META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner",
                  "connection", "timeouts"}  # fmt: skip


LABELS = {"variable": 1, "output": 1, "module": 1, "provider": 1, "resource": 2, "data": 2,
          "locals": 0, "terraform": 0}  # fmt: skip
"""How many labels each top-level block takes (Terraform refuses any other count)."""


def _parsed(path: Path) -> Tree:
    try:
        import hcl2

        return hcl2.parses_to_tree(path.read_text(encoding="utf-8"))
    except (LarkError, UnicodeDecodeError) as exc:
        where = f":{exc.line}" if hasattr(exc, "line") else ""
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TemplateError(f"{path}{where}: not HCL Terraform can read: {first}") from None


def _items(body: Tree) -> Iterator[tuple[str, list[str], Tree]]:
    """(block type or attribute name, labels, body or expression) of a body's items."""
    for item in body.children:
        if not isinstance(item, Tree) or item.data not in ("attribute", "block"):
            continue
        parts = [c for c in item.children if isinstance(c, Tree)
                 and c.data != "new_line_or_comment"]  # fmt: skip
        name = str(parts[0].children[0])
        if item.data == "attribute":
            yield name, [], parts[-1]
            continue
        labels = [_label(p) for p in parts[1:-1]]
        yield name, labels, parts[-1]


def _block_lines(body: Tree) -> dict[int, int]:
    """id of each top-level block's body -> the line its block type is written on."""
    lines = {}
    for item in body.children:
        if isinstance(item, Tree) and item.data == "block":
            parts = [c for c in item.children if isinstance(c, Tree)]
            lines[id(parts[-1])] = int(getattr(parts[0].children[0], "line", 1) or 1)
    return lines


def _label(node: Tree) -> str:
    tokens = [t for t in node.scan_values(lambda v: isinstance(v, Token)) if t.type in
              ("NAME", "STRING_CHARS")]  # fmt: skip
    return "".join(str(t) for t in tokens)


class _Locals(dict):
    """``local.x``: each local evaluated when first used (a cycle is an error)."""

    def __init__(self, nodes: dict[str, Tree], module: Module) -> None:
        super().__init__()
        self._nodes, self._module, self._busy = nodes, module, set()

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __missing__(self, name: str) -> Any:
        if name not in self._nodes:
            raise KeyError(name)
        if name in self._busy:
            raise EvaluationError(f"local.{name} refers to itself")
        self._busy.add(name)
        value = self._module.value(self._nodes[name], self._module.scope(), f"local.{name}")
        self._busy.discard(name)
        self[name] = value
        return value


class Module:
    """One module instance of the configuration: its files, variables, locals and resources.
    ``reader`` gives the root's variable values (``given``), its ``folder`` and ``warn``."""

    def __init__(self, reader: Any, folder: Path, address: str,
                 inputs: dict[str, Any]) -> None:  # fmt: skip
        self.reader, self.folder, self.address = reader, folder, address
        self.blocks: list[tuple[str, list[str], Tree]] = []
        self.lines: dict[int, tuple[str, int]] = {}
        """id of a block's body -> (file, line of the block), for SARIF."""
        for file in sorted(folder.glob("*.tf")):
            tree = _parsed(file).children[0]
            starts = _block_lines(tree)
            for kind, labels, body in _items(tree):
                wanted = LABELS.get(kind)
                if wanted is not None and len(labels) != wanted:
                    got = " ".join(labels) or "none"
                    raise TemplateError(f"{file}: a {kind} block takes {wanted} label(s), got "
                                        f"{len(labels)} ({got})")  # fmt: skip
                self.blocks.append((kind, labels, body))
                self.lines[id(body)] = (str(file), starts.get(id(body), 1))
        declared = {labels[0]: body for kind, labels, body in self.blocks if kind == "variable"}
        self.variables = {
            name: self._variable(name, body, inputs) for name, body in declared.items()
        }
        nodes = {n: e for kind, _, body in self.blocks if kind == "locals"
                 for n, _, e in _items(body)}  # fmt: skip
        self.locals = _Locals(nodes, self)
        self.children: dict[str, Module | None] = {}
        self.instances: dict[tuple[str, str], dict[Any, str]] = {}
        """(type, name) -> index (None without count/for_each) -> address."""
        self.bodies: dict[str, tuple[Tree, dict[str, Any]]] = {}
        """address -> (body, names its count/each bind)."""
        self.evaluated: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, tuple[str, int]] = {}
        """address -> (file, line) of the resource block that makes it."""

    def _variable(self, name: str, body: Tree, inputs: dict[str, Any]) -> Any:
        settings = dict((n, e) for n, _, e in _items(body))
        bare = Scope({}, _nothing, _nothing)  # a variable's settings are literals
        sensitive = "sensitive" in settings and self.value(settings["sensitive"], bare, "")
        if name in inputs:
            value = inputs[name]
        elif self.address == "" and name in self.reader.given:
            value = self.reader.given[name]
        elif "default" in settings:
            value = self.value(settings["default"], bare, f"var.{name}")
        else:
            value = Unknown((f"var.{name} (no default, tfvars or TF_VAR_{name})",))
        return Unknown((f"var.{name}",), sensitive=True) if sensitive is True else value

    def scope(self, **bound: Any) -> Scope:
        names = {"var": self.variables, "local": self.locals, "path": {"module": str(self.folder),
                 "root": str(self.reader.folder), "cwd": os.getcwd()},
                 "terraform": {"workspace": "default"}, **bound}  # fmt: skip
        return Scope(names, self.resource, self.output)

    def value(self, node: Tree, scope: Scope, where: str) -> Any:
        try:
            return evaluate(node, scope)
        except EvaluationError as exc:
            self.reader.warn(f"{self._prefixed(where)}: {exc}; it stands as a value not known")
            return Unknown((f"{self._prefixed(where)}",))

    def _prefixed(self, where: str) -> str:
        return f"{self.address}.{where}" if self.address and where else where or self.address

    # -- resources and modules --------------------------------------------------------------

    def expand(self) -> None:
        """Every resource instance (count, for_each) and every local child module."""
        for kind, labels, body in self.blocks:
            if kind == "resource" and len(labels) == 2:
                self._instances(labels[0], labels[1], body)
            elif kind == "module" and labels:
                self.children[labels[0]] = self._child(labels[0], body)

    def _instances(self, rtype: str, name: str, body: Tree) -> None:
        settings = {n: e for n, _, e in _items(body)}
        base = ".".join(filter(None, [self.address, f"{rtype}.{name}"]))
        found: dict[Any, str] = {}
        if "count" in settings:
            count = self.value(settings["count"], self.scope(), f"{rtype}.{name}.count")
            if not isinstance(count, int):
                self.reader.warn(f"{base}: count is not known offline; one instance is read")
                count = 1
            for i in range(count):
                found[i] = f"{base}[{i}]"
                self.bodies[found[i]] = (body, {"count": {"index": i}})
        elif "for_each" in settings:
            each = self.value(settings["for_each"], self.scope(), f"{rtype}.{name}.for_each")
            pairs = (each.items() if isinstance(each, dict) else
                     [(v, v) for v in each] if isinstance(each, list) else None)  # fmt: skip
            if pairs is None:
                self.reader.warn(f"{base}: for_each is not known offline; one instance is read")
                pairs = [("unknown", Unknown((f"{base}.for_each",)))]
            for key, value in pairs:
                found[key] = f'{base}["{key}"]'
                self.bodies[found[key]] = (body, {"each": {"key": key, "value": value}})
        else:
            found[None] = base
            self.bodies[base] = (body, {})
        self.instances[(rtype, name)] = found
        file, line = self.lines.get(id(body), ("", 0))
        self.sources.update(dict.fromkeys(found.values(), (file, line)))

    def _child(self, name: str, body: Tree) -> Module | None:
        settings = {n: e for n, _, e in _items(body)}
        source = self.value(settings["source"], self.scope(), f"module.{name}.source") if (
            "source" in settings) else None  # fmt: skip
        address = ".".join(filter(None, [self.address, f"module.{name}"]))
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            self.reader.warn(f"{address}: source {source!r} is not a local path; its "
                             "resources are not read (a registry or remote module needs "
                             "terraform init)")  # fmt: skip
            return None
        skipped = ("source", "version", "providers", *META_ARGUMENTS)
        inputs = {n: self.value(e, self.scope(), f"module.{name}.{n}")
                  for n, e in settings.items() if n not in skipped}  # fmt: skip
        folder = (self.folder / source).resolve()
        if not folder.is_dir():
            raise TemplateError(f"{address}: source {source!r}: no such folder {folder}")
        child = Module(self.reader, folder, address, inputs)
        child.expand()
        return child

    def resource(self, rtype: str, name: str, index: Any, attribute: str) -> Any:
        instances = self.instances.get((rtype, name))
        base = ".".join(filter(None, [self.address, f"{rtype}.{name}"]))
        if instances is None:
            return Unknown((f"{base} (not in the configuration)",))
        if isinstance(index, Unknown | ResourceRef) or (index is None and None not in instances):
            return Unknown((f"{base}[...]",))
        address = instances.get(index)
        if address is None:
            raise EvaluationError(f"{base} has no instance {index!r}")
        values = self.instance_values(address)
        configured = values.get(attribute)
        known = configured is not None and not isinstance(configured, Unknown | ResourceRef | list)
        if attribute in ATTRIBUTES.get(rtype, {}):  # linked as CloudFormation would link it
            return ResourceRef(address, rtype, attribute, configured if known else None)
        if known:
            return configured  # a configured argument: known at plan time
        return Unknown((f"{address}.{attribute}",))

    def output(self, module: str, name: str) -> Any:
        child = self.children.get(module)
        if child is None:
            return Unknown((f"module.{module}.{name}",))
        for kind, labels, body in child.blocks:
            if kind == "output" and labels == [name]:
                settings = {n: e for n, _, e in _items(body)}
                return child.value(settings["value"], child.scope(), f"output.{name}")
        raise EvaluationError(f"module.{module} has no output {name!r}")

    def instance_values(self, address: str) -> dict[str, Any]:
        if address not in self.evaluated:
            self.evaluated[address] = {}  # a reference back to itself reads nothing
            body, bound = self.bodies[address]
            self.evaluated[address] = self._block(body, self.scope(**bound), address)
        return self.evaluated[address]

    def _block(self, body: Tree, scope: Scope, where: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, labels, node in _items(body):
            if name in META_ARGUMENTS:
                continue
            if node.data == "body" and name == "dynamic":
                values.setdefault(labels[0], []).extend(
                    self._dynamic(labels[0], node, scope, where)
                )
            elif node.data == "body":
                values.setdefault(name, []).append(self._block(node, scope, f"{where}.{name}"))
            else:
                values[name] = self.value(node, scope, f"{where}.{name}".removeprefix(
                    f"{self.address}."))  # fmt: skip
        return values

    def _dynamic(self, label: str, body: Tree, scope: Scope, where: str) -> list[dict[str, Any]]:
        settings = {n: (labels, e) for n, labels, e in _items(body)}
        if "for_each" not in settings or "content" not in settings:
            raise TemplateError(f"{where}: dynamic {label!r} needs for_each and a content block")
        collection = self.value(settings["for_each"][1], scope, f"{where}.dynamic.{label}")
        iterator = label
        if "iterator" in settings:
            iterator = _label(settings["iterator"][1])
        if not isinstance(collection, dict | list):
            self.reader.warn(
                f"{where}: dynamic {label!r} over a value not known offline: none read"
            )
            return []
        pairs = collection.items() if isinstance(collection, dict) else enumerate(collection)
        content = settings["content"][1]
        return [self._block(content, scope.child(**{iterator: {"key": k, "value": v}}), where)
                for k, v in pairs]  # fmt: skip

    def all_instances(self) -> Iterator[tuple[str, str, tuple[str, int]]]:
        """(address, type, (file, line)) of every instance of this module and its children."""
        for (rtype, _), found in self.instances.items():
            for address in found.values():
                yield address, rtype, self.sources[address]
        for child in self.children.values():
            if child is not None:
                yield from child.all_instances()

    def owner(self, address: str) -> Module:
        if address in self.bodies:
            return self
        for child in self.children.values():
            if child is not None and address.startswith(child.address + "."):
                return child.owner(address)
        raise KeyError(address)


def _nothing(*_: Any) -> Any:
    raise EvaluationError("a variable's default cannot refer to other objects")
