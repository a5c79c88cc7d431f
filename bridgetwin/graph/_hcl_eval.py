"""HCL expressions of a Terraform configuration, evaluated offline as far as they can be.

python-hcl2 parses a ``.tf`` file into a lark tree (its grammar names the nodes: ``expr_term``,
``get_attr_expr_term``, ``function_call``, ``conditional``, ``for_tuple_expr``, ...); this module
walks an expression's tree in a :class:`Scope` that knows the module's variables and locals, the
``count``/``each`` of the instance being read, and how to resolve references to other resources
and to child modules' outputs.

What cannot be known before apply (an attribute of a resource, a data source, a variable without
a value) is :class:`~._hcl_values.Unknown`, carrying what it depends on; every operation on an
unknown value is unknown, so a pattern written with ``jsonencode`` over literals is known while a
string interpolating an ARN is not. A reference that is a whole argument's value (``arn =
aws_sqs_queue.dlq.arn``) is a :class:`~._hcl_values.ResourceRef`, which the reader turns into the
``Fn::GetAtt``/``Ref`` CloudFormation would have written.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Token, Tree

from bridgetwin.graph._hcl_functions import FUNCTIONS
from bridgetwin.graph._hcl_values import (
    EvaluationError,
    ResourceRef,
    Unknown,
    deep_unknown,
    plain,
    text_of,
    unescape,
    unknown_in,
)


def _parts(node: Tree) -> list[Any]:
    """A node's children that carry meaning (no comments, new lines or punctuation)."""
    return [c for c in node.children
            if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
            and not (isinstance(c, Token) and c.type in _PUNCTUATION)]  # fmt: skip


_PUNCTUATION = {"LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE", "COMMA", "DOT", "EQ",
                "COLON", "QMARK", "DBLQUOTE", "INTERP_START", "FOR", "IN", "IF", "ELLIPSIS",
                "FOR_OBJECT_ARROW", "COLONS"}  # fmt: skip


@dataclass
class Scope:
    """Where an expression is evaluated: names it can use and how references resolve."""

    names: dict[str, Any]
    """``var``, ``local`` (a mapping that may evaluate lazily), ``count``, ``each``, ``path``,
    ``terraform`` and the iteration variables of ``for`` expressions."""
    resource: Callable[[str, str, Any, str], Any]
    """(type, name, index or None, attribute) -> a value, :class:`ResourceRef` or Unknown."""
    module_output: Callable[[str, str], Any]

    def child(self, **names: Any) -> Scope:
        return Scope({**self.names, **names}, self.resource, self.module_output)


def evaluate(node: Any, scope: Scope) -> Any:
    """The value of an expression node."""
    if isinstance(node, Token):
        return _token(node)
    kind = node.data
    parts = _parts(node)
    if kind in ("expr_term", "object_elem_key", "interpolation", "arguments_one"):
        return evaluate(parts[0], scope)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise EvaluationError(f"the expression form {kind!r} is not read offline")
    try:
        return handler(parts, scope)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError,
            RecursionError) as exc:  # fmt: skip
        if isinstance(exc, EvaluationError):
            raise
        raise EvaluationError(f"{type(exc).__name__}: {exc}") from None


def _token(token: Token) -> Any:
    if token.type in ("INT_LITERAL",):
        return int(token.value)
    if token.type == "FLOAT_LITERAL":
        return float(token.value)
    return str(token.value)


def _literal(parts, scope) -> Any:
    return {"true": True, "false": False, "null": None}[str(parts[0])]


def _string(parts, scope) -> Any:
    pieces = []
    for part in parts:
        inner = part.children[0]
        if isinstance(inner, Token):
            text = str(inner)
            if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                text = text[1:]
            pieces.append(unescape(text))
        elif inner.data == "interpolation":
            pieces.append(evaluate(inner, scope))
        else:
            raise EvaluationError("template directives (%{if}, %{for}) are not read offline")
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]  # "${x}" is x itself
    pieces = plain(pieces)
    unknown = unknown_in(pieces)
    if unknown is not None:
        return unknown
    return "".join(text_of(p) for p in pieces)


def _heredoc(parts, scope) -> Any:
    text = str(parts[0])
    body = text[text.index("\n") + 1 : text.rstrip("\n").rindex("\n") + 1]
    if text.startswith("<<-"):
        body = textwrap.dedent(body)
    if "${" in body.replace("$${", "") or "%{" in body.replace("%%{", ""):
        return Unknown(("a heredoc with interpolation",))
    return body.replace("$${", "${").replace("%%{", "%{")


def _tuple(parts, scope) -> list[Any]:
    return [evaluate(p, scope) for p in parts]


def _object(parts, scope) -> dict[str, Any]:
    out = {}
    for element in parts:
        key_node, value_node = _parts(element)
        bare = key_node.children[0]
        if isinstance(bare, Tree) and bare.data == "keyword":
            key: Any = str(bare.children[0])
        elif isinstance(bare, Tree) and bare.data == "expr_term":
            inner = _parts(bare)[0]
            if isinstance(inner, Tree) and inner.data == "identifier":
                key = str(inner.children[0])  # {source = [...]}: a bare name is the key
            else:
                key = evaluate(bare, scope)
        else:
            key = evaluate(bare, scope)
        key = plain(key)
        if isinstance(key, Unknown | ResourceRef):
            return unknown_in([key])  # type: ignore[return-value]
        out[text_of(key)] = evaluate(value_node, scope)
    return out


def _identifier(parts, scope) -> Any:
    name = str(parts[0])
    if name in scope.names:
        return scope.names[name]
    raise EvaluationError(f"unknown name {name!r}")


def _traversal(node: Tree, scope: Scope) -> Any:
    """``a.b[c].d`` evaluated from its root: variables and locals by value, resources,
    modules and data sources by reference."""
    steps: list[tuple[str, Any]] = []
    while isinstance(node, Tree) and node.data in ("get_attr_expr_term", "index_expr_term"):
        base, step = _parts(node)
        if node.data == "get_attr_expr_term":
            steps.append(("attr", str(_parts(step)[0].children[0])))
        else:
            inner = _parts(step)[0]
            index = int(str(inner)) if isinstance(inner, Token) else evaluate(inner, scope)
            steps.append(("index", index))
        node = _parts(base)[0] if base.data == "expr_term" else base
    steps.reverse()
    if isinstance(node, Tree) and node.data == "identifier":
        root = str(node.children[0])
        resolved = _rooted(root, steps, scope)
        if resolved is not None:
            return resolved
    value = evaluate(node, scope)
    for kind, step in steps:
        value = _step(value, step, kind == "attr")
    return value


def _rooted(root: str, steps: list[tuple[str, Any]], scope: Scope) -> Any:
    """A traversal whose root is a resource type, ``data`` or ``module`` (None: a name)."""
    attrs = [s for _, s in steps]
    if root == "data":
        return Unknown(("data." + ".".join(map(str, attrs)),))
    if root == "module" and len(steps) >= 2:
        value = scope.module_output(attrs[0], attrs[1])
        for kind, step in steps[2:]:
            value = _step(value, step, kind == "attr")
        return value
    if root in scope.names or "_" not in root or not steps:
        return None
    name, rest = attrs[0], steps[1:]
    index = None
    if rest and rest[0][0] == "index":
        index, rest = rest[0][1], rest[1:]
    attribute = str(rest[0][1]) if rest and rest[0][0] == "attr" else ""
    value = scope.resource(root, str(name), index, attribute)
    for kind, step in rest[1:]:  # into a known attribute's value (aws_x.y.tags.team)
        value = _step(value, step, kind == "attr")
    return value


def _step(value: Any, step: Any, attribute: bool = False) -> Any:
    """``value.step`` (``attribute``) or ``value[step]``. An object's attribute it lacks is
    null, as a variable typed with ``optional(...)`` attributes would hold it."""
    value = plain(value) if isinstance(value, ResourceRef) else value  # not a lazy mapping
    step = plain(step)
    if isinstance(value, Unknown | ResourceRef):
        return unknown_in([value])
    if isinstance(step, Unknown | ResourceRef):
        return unknown_in([step])
    if attribute and isinstance(value, dict):
        return value.get(str(step))
    try:
        return value[step] if isinstance(value, list | dict) else getattr(value, str(step))
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EvaluationError(f"no {step!r} in {type(value).__name__}") from None


def _function(parts, scope) -> Any:
    name = str(parts[0].children[0])
    arguments = _parts(parts[-1]) if len(parts) > 1 and parts[-1].data == "arguments" else []
    if name in ("try", "can"):  # the first argument that evaluates without an error
        for argument in arguments:
            try:
                value = evaluate(argument, scope)
            except EvaluationError:
                continue
            return True if name == "can" else value
        if name == "can":
            return False
        raise EvaluationError("try(): no argument could be evaluated")
    values = [plain(evaluate(a, scope)) for a in arguments]
    function = FUNCTIONS.get(name)
    if function is None:
        return Unknown((f"{name}()",))
    unknown = unknown_in(values) if name != "jsonencode" else deep_unknown(values)
    if unknown is not None:
        return unknown
    try:
        return function(*values)
    except (TypeError, ValueError, KeyError, IndexError, StopIteration) as exc:
        raise EvaluationError(f"{name}(): {exc}") from None


def _conditional(parts, scope) -> Any:
    condition = plain(evaluate(parts[0], scope))
    if isinstance(condition, Unknown | ResourceRef):
        return unknown_in([condition])
    return evaluate(parts[1] if condition else parts[2], scope)


def _unary(parts, scope) -> Any:
    operator, value = str(parts[0]), plain(evaluate(parts[1], scope))
    if isinstance(value, Unknown | ResourceRef):
        return unknown_in([value])
    return -value if operator == "-" else not value


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "%": lambda a, b: a % b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
    "&&": lambda a, b: a and b, "||": lambda a, b: a or b,
}  # fmt: skip


def _binary(parts, scope) -> Any:
    left = plain(evaluate(parts[0], scope))
    operator_node, right_node = _parts(parts[1])
    operator = str(operator_node.children[0])
    right = plain(evaluate(right_node, scope))
    unknown = unknown_in([left, right])
    if unknown is not None:
        return unknown
    try:
        return _OPERATORS[operator](left, right)
    except (TypeError, ZeroDivisionError) as exc:
        raise EvaluationError(f"{left!r} {operator} {right!r}: {exc}") from None


def _for(parts, scope, into_object: bool) -> Any:
    intro, *body = parts
    names = [
        str(p.children[0]) for p in _parts(intro) if isinstance(p, Tree) and p.data == "identifier"
    ]
    collection = plain(evaluate(_parts(intro)[-1], scope))
    if isinstance(collection, Unknown | ResourceRef):
        return unknown_in([collection])
    pairs = collection.items() if isinstance(collection, dict) else enumerate(collection)
    condition = next((b for b in body if isinstance(b, Tree) and b.data == "for_cond"), None)
    exprs = [b for b in body if not (isinstance(b, Tree) and b.data == "for_cond")
             and not (isinstance(b, Token))]  # fmt: skip
    out: Any = {} if into_object else []
    for key, value in pairs:
        bound = dict(zip(names, [key, value] if len(names) == 2 else [value], strict=False))
        inner = scope.child(**bound)
        if condition is not None and not evaluate(_parts(condition)[-1], inner):
            continue
        if into_object:
            out[text_of(evaluate(exprs[0], inner))] = evaluate(exprs[1], inner)
        else:
            out.append(evaluate(exprs[0], inner))
    return out


def _splat(parts, scope) -> Any:
    return Unknown(("a splat expression",))


_HANDLERS: dict[str, Callable[[list[Any], Scope], Any]] = {
    "int_lit": lambda p, s: int(str(p[0])),
    "float_lit": lambda p, s: float(str(p[0])),
    "literal_value": _literal,
    "string": _string,
    "heredoc_template": _heredoc,
    "heredoc_template_trim": _heredoc,
    "tuple": _tuple,
    "object": _object,
    "identifier": _identifier,
    "get_attr_expr_term": lambda p, s: _traversal(Tree("get_attr_expr_term", p), s),
    "index_expr_term": lambda p, s: _traversal(Tree("index_expr_term", p), s),
    "function_call": _function,
    "conditional": _conditional,
    "unary_op": _unary,
    "binary_op": _binary,
    "for_tuple_expr": lambda p, s: _for(p, s, into_object=False),
    "for_object_expr": lambda p, s: _for(p, s, into_object=True),
    "attr_splat_expr_term": _splat,
    "full_splat_expr_term": _splat,
}
