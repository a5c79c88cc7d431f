"""The intrinsic functions other than ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` (which need the
stack's resources and live on :class:`~bridgetwin.graph._intrinsics.StackContext`): each takes
the stack context, its argument, and where it sits (property path, logical id) for errors.

They evaluate what a template alone decides (joins, selections, conditions, mappings) and leave
what only AWS knows symbolic: ``Fn::Join`` over a list known only at deploy time, ``Fn::Cidr``.
``Fn::ImportValue`` asks the loaded stacks, which answer within the importer's Region and account.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bridgetwin.graph._values import Symbolic, concat

if TYPE_CHECKING:
    from bridgetwin.graph._intrinsics import StackContext


def _join(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise ctx.error("Fn::Join takes [delimiter, [values]]", lid, path)
    delimiter = ctx.resolve(arg[0], path, lid)
    values = ctx.resolve(arg[1], path, lid)
    if not isinstance(values, list):
        return Symbolic(f"Fn::Join({values})")
    parts: list[Any] = []
    for i, v in enumerate(values):
        if i:
            parts.append(delimiter)
        parts.append(str(v) if isinstance(v, int | float | bool) else v)
    return concat(parts)


def _select(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise ctx.error("Fn::Select takes [index, [values]]", lid, path)
    index, values = ctx.resolve(arg[0], path, lid), ctx.resolve(arg[1], path, lid)
    if not isinstance(values, list):
        return Symbolic(f"Fn::Select({index}, {values})")
    if isinstance(index, bool) or not isinstance(index, int | str) or not str(index).isdigit():
        raise ctx.error(f"Fn::Select needs a whole-number index, got {index!r}", lid, path)
    try:
        return values[int(index)]
    except IndexError:
        raise ctx.error(
            f"Fn::Select index {index!r} is outside a list of {len(values)}", lid, path
        ) from None


def _split(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise ctx.error("Fn::Split takes [delimiter, string]", lid, path)
    delimiter, text = ctx.resolve(arg[0], path, lid), ctx.resolve(arg[1], path, lid)
    if isinstance(text, str):
        return text.split(delimiter)
    return Symbolic(f"Fn::Split({delimiter}, {text})", getattr(text, "refs", ()))


def _if(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        raise ctx.error("Fn::If takes [condition, value_if_true, value_if_false]", lid, path)
    chosen = arg[1] if ctx.condition(arg[0], lid, path) else arg[2]
    return ctx.resolve(chosen, path, lid)


def _boolean(
    combine: Callable[[list[bool]], bool], arity: tuple[int, int]
) -> Callable[[StackContext, Any, str, str], bool]:
    def handler(ctx: StackContext, arg: Any, path: str, lid: str) -> bool:
        if not (isinstance(arg, list) and arity[0] <= len(arg) <= arity[1]):
            raise ctx.error(f"takes a list of {arity[0]} to {arity[1]} conditions", lid, path)
        values = [ctx.resolve(a, path, lid) for a in arg]
        if not all(isinstance(v, bool) for v in values):
            raise ctx.error("arguments must be conditions (true or false)", lid, path)
        return combine(values)

    return handler


def _equals(ctx: StackContext, arg: Any, path: str, lid: str) -> bool:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise ctx.error("Fn::Equals takes [value, value]", lid, path)
    left, right = (ctx.resolve(a, path, lid) for a in arg)
    return str(left) == str(right) if not isinstance(left, list | dict) else left == right


def _find_in_map(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        raise ctx.error("Fn::FindInMap takes [map, top-level key, second-level key]", lid, path)
    name, top, second = (ctx.resolve(a, path, lid) for a in arg[:3])
    mapping = (ctx.template.get("Mappings") or {}).get(name)
    try:
        return mapping[top][second]  # type: ignore[index]
    except (KeyError, TypeError):
        if len(arg) == 4 and isinstance(arg[3], Mapping) and "DefaultValue" in arg[3]:
            return ctx.resolve(arg[3]["DefaultValue"], path, lid)
        raise ctx.error(
            f"Fn::FindInMap: no value for [{name}, {top}, {second}]", lid, path
        ) from None


def _import_value(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    name = ctx.resolve(arg, path, lid)
    if not isinstance(name, str):
        raise ctx.error(f"Fn::ImportValue name must resolve to a string, got {name}", lid, path)
    return ctx.loaded.export(name, ctx, lid, path)


def _get_azs(ctx: StackContext, arg: Any, path: str, lid: str) -> list[str]:
    region = ctx.resolve(arg, path, lid) or ctx.region
    return [f"{region}{zone}" for zone in "abc"]


def _to_json_string(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    value = ctx.resolve(arg, path, lid)
    try:
        return json.dumps(value, separators=(",", ":"))
    except TypeError:
        return Symbolic(f"Fn::ToJsonString({value})")


def _length(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
    value = ctx.resolve(arg, path, lid)
    return len(value) if isinstance(value, list) else Symbolic(f"Fn::Length({value})")


def _opaque(name: str) -> Callable[[StackContext, Any, str, str], Any]:
    def handler(ctx: StackContext, arg: Any, path: str, lid: str) -> Any:
        return Symbolic(f"{name}(...)")

    return handler


HANDLERS: dict[str, Callable[[StackContext, Any, str, str], Any]] = {
    "Ref": lambda ctx, arg, path, lid: ctx.ref(arg, path, lid),
    "Condition": lambda ctx, arg, path, lid: ctx.condition(arg, lid, path),
    "Fn::GetAtt": lambda ctx, arg, path, lid: ctx.get_att(arg, path, lid),
    "Fn::Sub": lambda ctx, arg, path, lid: ctx.sub(arg, path, lid),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": _boolean(all, (2, 10)),
    "Fn::Or": _boolean(any, (2, 10)),
    "Fn::Not": _boolean(lambda v: not v[0], (1, 1)),
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _import_value,
    "Fn::GetAZs": _get_azs,
    "Fn::Base64": lambda ctx, arg, path, lid: ctx.resolve(arg, path, lid),
    "Fn::ToJsonString": _to_json_string,
    "Fn::Length": _length,
    "Fn::Cidr": _opaque("Fn::Cidr"),
    "Fn::Transform": _opaque("Fn::Transform"),
}
