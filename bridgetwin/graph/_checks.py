"""Checks made before any value is resolved: the environment given as parameters (AWS::Region and
AWS::AccountId in AWS's formats), parameter values against their declarations,
dangling references (``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variables, ``DependsOn``) and circular
dependencies between resources, each a TemplateError naming where."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._intrinsics import StackContext
from bridgetwin.graph.identity import account_problem, region_problem

_SUB_NAMES = re.compile(r"\$\{([^}!][^}]*)\}")


def check_parameters(sources: list[Any], values: Mapping[str, Any]) -> None:
    """Values given for all stacks must be declared by one; a stack's own, by that stack."""
    for src in sources:
        _check_declared(src.template.get("Parameters") or {}, src.parameters, src.name)
    declared: dict[str, Mapping[str, Any]] = {}
    for src in sources:
        declared.update(src.template.get("Parameters") or {})
    _check_declared(declared, values, "")


def check_environment(parameters: Mapping[str, Any]) -> None:
    """``AWS::Region`` and ``AWS::AccountId`` given as parameters must be AWS's formats."""
    for name, problem in (("AWS::Region", region_problem), ("AWS::AccountId", account_problem)):
        if name in parameters and (why := problem(str(parameters[name]))):
            raise TemplateError(f"parameter {name}: {why}")


def _check_declared(declared: Mapping[str, Any], values: Mapping[str, Any], stack: str) -> None:
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise TemplateError(
                f"unknown parameter '{name}'; the template declares: {known}", stack=stack
            )
        spec = declared[name] if isinstance(declared[name], Mapping) else {}
        allowed = spec.get("AllowedValues")
        if allowed and str(value) not in [str(a) for a in allowed]:
            raise TemplateError(
                f"parameter '{name}' must be one of {', '.join(map(str, allowed))}, got {value!r}",
                stack=stack,
            )


def _names_referenced(value: Any) -> Iterator[tuple[str, str]]:
    """(kind, logical id or parameter) for every Ref, GetAtt and Sub variable in ``value``."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                yield "Ref", arg
            elif key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else None
                if isinstance(arg, list) and arg:
                    target = arg[0]
                if isinstance(target, str):
                    yield "Fn::GetAtt", target
            elif key == "Fn::Sub":
                text, variables = arg, {}
                if isinstance(arg, list):  # [text, {variables}]; another shape fails later
                    text = arg[0] if arg else ""
                    variables = arg[1] if len(arg) > 1 and isinstance(arg[1], Mapping) else {}
                for name in _SUB_NAMES.findall(text if isinstance(text, str) else ""):
                    head = name.split(".", 1)[0] if not name.startswith("AWS::") else name
                    if head not in variables:
                        yield "Fn::Sub", head
                yield from _names_referenced(variables)
                return
        for item in value.values():
            yield from _names_referenced(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names_referenced(item)


def check_references(ctx: StackContext) -> None:
    """Dangling references and circular dependencies fail here, before any value is used."""
    parameters = ctx.template.get("Parameters") or {}
    depends: dict[str, set[str]] = {}
    for lid, resource in ctx.resources.items():
        edges: set[str] = set()
        properties = resource.get("Properties") or {}
        events: Any = {}
        if str(resource.get("Type", "")).startswith("AWS::Serverless::"):
            # SAM turns a function's events into resources of their own (permissions, rules,
            # API methods): the function does not depend on what they reference.
            properties = {k: v for k, v in properties.items() if k != "Events"}
            events = (resource.get("Properties") or {}).get("Events") or {}
        for part, dependency in ((properties, True), (events, False)):
            for kind, name in _names_referenced(part):
                if name in ctx.resources:
                    if dependency:
                        edges.add(name)
                elif not (
                    name.startswith("AWS::") or (kind != "Fn::GetAtt" and name in parameters)
                ):
                    raise ctx.error(f"{kind} to unknown resource or parameter '{name}'", lid)
        declared = resource.get("DependsOn") or []
        for name in [declared] if isinstance(declared, str) else declared:
            if name not in ctx.resources:
                raise ctx.error(f"DependsOn names unknown resource '{name}'", lid, "DependsOn")
            edges.add(name)
        depends[lid] = edges
    _check_acyclic(ctx, depends)


def _check_acyclic(ctx: StackContext, depends: Mapping[str, set[str]]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(depends.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                raise ctx.error(f"circular dependency between resources: {' -> '.join(cycle)}", nxt)
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in depends:
        if node not in state:
            visit(node, [node])
