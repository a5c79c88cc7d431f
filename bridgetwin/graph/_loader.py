"""``load_graph``: read templates, resolve them, and build the deployment graph, in stages.

1. Read the source into stack templates (:mod:`._sources`).
2. Fill in: parameter values (defaults, then the caller's), pseudo parameters, SAM function events
   expanded into the rules SAM would create.
3. Validate: parameter overrides exist and are allowed; every ``Ref``/``GetAtt``/``Sub`` names
   something that exists; resources do not depend on each other in a circle.
4. Build: register every modeled resource, then build its node with links to the others.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._build_iam import DOCUMENT_BUILDERS
from bridgetwin.graph._builders import BUILDERS
from bridgetwin.graph._checks import check_environment, check_parameters, check_references
from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._intrinsics import LoadedStacks, StackContext
from bridgetwin.graph._linker import ARN_NAMES, Linker, arn_parts
from bridgetwin.graph._sam import expand_sam
from bridgetwin.graph._sources import DEFAULT_ACCOUNT, DEFAULT_REGION, StackSource, read_sources
from bridgetwin.graph._synth import SynthOptions
from bridgetwin.graph._values import ResourceRef
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import EventBus
from bridgetwin.graph.service_nodes import LoadWarning, OpaqueResource, PolicyDocument, StackInfo


def load_graph(
    source: str | os.PathLike[str] | Mapping[str, Any] | Sequence[StackSource],
    parameters: Mapping[str, Any] | None = None,
    *,
    synth: SynthOptions | None = None,
) -> Graph:
    """Load the EventBridge deployment described by ``source``.

    Args:
        source: A template dict, a JSON/YAML template file, a CDK cloud assembly directory, a
            CDK app directory (synthesized through its ``cdk.json``), a deployment manifest, or
            stacks already read (:func:`read_sources`).
        parameters: Values for template parameters, by name; ``AWS::Region`` and
            ``AWS::AccountId`` set the environment of stacks that do not fix their own. Defaults
            to each parameter's ``Default``.
        synth: How a CDK app directory is synthesized: timeout (default 600 s; the command and
            its children are stopped beyond it), extra context, another app command.

    Raises:
        TemplateError: the source cannot be read, or a value the twin needs cannot be resolved;
            the message names the stack, logical id and property path.
    """
    parameters = dict(parameters or {})
    check_environment(parameters)
    sources = read_sources(source, synth)
    region = str(parameters.pop("AWS::Region", DEFAULT_REGION))
    account = str(parameters.pop("AWS::AccountId", DEFAULT_ACCOUNT))
    check_parameters(sources, parameters)

    loaded = LoadedStacks()
    for src in sources:
        template = expand_sam(src.template)
        values = {**parameters, **src.parameters}
        loaded.stacks[src.name] = StackContext(
            src.name, template, src.region or region, src.account or account, values, loaded
        )
    for ctx in loaded.stacks.values():
        check_references(ctx)
    try:
        return _Builder(loaded, {src.name: src.path for src in sources}).graph()
    except TemplateError as exc:
        raise _asking_all(exc, loaded) from None


def _asking_all(exc: TemplateError, loaded: LoadedStacks) -> TemplateError:
    """A value the twin needs came from a parameter without a value: name every parameter the
    loaded stacks still lack, so the user can give them all in one command."""
    waiting = sorted({n for ctx in loaded.stacks.values() for n in ctx.placeholders})
    if "has no value and no Default" not in exc.reason or len(waiting) < 2:
        return exc
    flags = " ".join(f"--param {name}=VALUE" for name in waiting)
    return TemplateError(
        f"{exc.reason}; the loaded stacks have {len(waiting)} parameters without a value "
        f"({', '.join(waiting)}): give them at once with {flags}",
        stack=exc.stack, logical_id=exc.logical_id, property_path=exc.property_path,
    )  # fmt: skip


def _built(builder: Any, build: Build, rtype: str) -> Any:
    """The builder's node; a value whose shape the builder did not expect (a list where an
    object belongs, say) is a TemplateError naming the stack and resource, not a crash."""
    try:
        return builder(build)
    except TemplateError:
        raise
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        raise TemplateError(
            f"a property has a shape {rtype} does not allow ({type(exc).__name__}: {exc})",
            stack=build.ctx.name,
            logical_id=build.logical_id,
        ) from None


class _Builder:
    """Stage 4: register, then build every node of every stack."""

    def __init__(self, loaded: LoadedStacks, paths: Mapping[str, str | None]) -> None:
        self.loaded = loaded
        self.paths = paths
        self.multi_stack = len(loaded.stacks) > 1
        self.multi_region = len({c.region for c in loaded.stacks.values()}) > 1
        self.linker = Linker(self._gid)
        self.types: dict[str, str] = {}
        self.implicit: dict[str, EventBus] = {}
        self.props: dict[tuple[str, str], Mapping[str, Any]] = {}

    def _gid(self, stack: str, logical_id: str) -> str:
        return f"{stack}/{logical_id}" if self.multi_stack else logical_id

    def _active(self) -> Iterator[tuple[StackContext, str, Mapping[str, Any]]]:
        for ctx in self.loaded.stacks.values():
            for lid, resource in ctx.resources.items():
                condition = resource.get("Condition")
                if condition is None or ctx.condition(condition, lid, "Condition"):
                    yield ctx, lid, resource

    def graph(self) -> Graph:
        active = list(self._active())
        named: dict[tuple[str, str, str, str], str] = {}
        for ctx, lid, resource in active:  # register names first: nodes link to each other
            rtype = resource["Type"]
            gid = self.linker.register(ctx.name, lid)
            self.types[gid] = rtype
            if rtype in BUILDERS or rtype in ARN_NAMES or rtype in DOCUMENT_BUILDERS:
                props = ctx.resolve(resource.get("Properties") or {}, "", lid)
                if not isinstance(props, Mapping):
                    raise ctx.error("Properties must resolve to an object", lid, "Properties")
                self.props[(ctx.name, lid)] = props
                if rtype in ARN_NAMES:
                    key, service, prefix = ARN_NAMES[rtype]
                    if isinstance(props.get(key), str):
                        self._unique_name(ctx, lid, rtype, props[key], named)
                        self.linker.name(service, prefix + props[key], ctx.region, gid)
        nodes: dict[str, list[Any]] = {}
        documents: list[PolicyDocument] = []
        paths, lines = [], []
        for ctx, lid, resource in active:
            rtype = resource["Type"]
            gid = self._gid(ctx.name, lid)
            metadata = resource.get("Metadata")
            path = metadata.get("aws:cdk:path") if isinstance(metadata, Mapping) else None
            if isinstance(path, str):
                paths.append((gid, path))
            source = metadata.get("bridgetwin:source") if isinstance(metadata, Mapping) else None
            if isinstance(source, Mapping) and isinstance(source.get("line"), int):
                lines.append((gid, str(source.get("file")), source["line"]))
            builder = BUILDERS.get(rtype) or DOCUMENT_BUILDERS.get(rtype)
            if builder is None:
                node: Any = OpaqueResource(gid, rtype)
            else:
                build = Build(
                    ctx, lid, gid, self.props[(ctx.name, lid)], self.linker,
                    lambda value, path, ctx=ctx, lid=lid: self._bus_id(ctx, lid, value, path),
                    self.types.get,
                )  # fmt: skip
                node = _built(builder, build, rtype)
            if isinstance(node, PolicyDocument):  # kept for lint; opaque to everything else
                documents.append(node)
                node = OpaqueResource(gid, rtype)
            nodes.setdefault(type(node).__name__, []).append(node)
        buses = [*nodes.get("EventBus", []), *self.implicit.values()]
        return Graph(
            stacks=tuple(
                StackInfo(c.name, c.region, c.account, self.paths.get(c.name))
                for c in self.loaded.stacks.values()
            ),
            buses=tuple(buses),
            rules=tuple(nodes.get("Rule", ())),
            connections=tuple(nodes.get("Connection", ())),
            api_destinations=tuple(nodes.get("ApiDestination", ())),
            archives=tuple(nodes.get("Archive", ())),
            endpoints=tuple(nodes.get("GlobalEndpoint", ())),
            alarms=tuple(nodes.get("Alarm", ())),
            health_checks=tuple(nodes.get("HealthCheck", ())),
            queues=tuple(nodes.get("Queue", ())),
            queue_policies=tuple(nodes.get("QueuePolicy", ())),
            functions=tuple(nodes.get("LambdaFunction", ())),
            invoke_configs=tuple(nodes.get("EventInvokeConfig", ())),
            schedules=tuple(nodes.get("SchedulerSchedule", ())),
            pipes=tuple(nodes.get("Pipe", ())),
            streams=tuple(nodes.get("Stream", ())),
            state_machines=tuple(nodes.get("StateMachine", ())),
            custom_buses=tuple(nodes.get("CustomEventBus", ())),
            subscribers=tuple(nodes.get("Subscriber", ())),
            schemas=tuple(nodes.get("EventSchema", ())),
            other=tuple(nodes.get("OpaqueResource", ())),
            permissions=tuple(documents),
            warnings=self._warnings(),
            construct_paths=tuple(paths),
            source_lines=tuple(lines),
        )

    def _unique_name(self, ctx: StackContext, lid: str, rtype: str, name: str,
                     named: dict[tuple[str, str, str, str], str]) -> None:  # fmt: skip
        """Two resources of one type and name in one account and Region: CloudFormation fails
        the second stack (the name exists already), so the deployment cannot be loaded."""
        key = (rtype, name, ctx.region, ctx.account)
        where = f"{ctx.name}/{lid}"
        if key in named:
            raise ctx.error(
                f"{rtype} '{name}' is also created by {named[key]} in {ctx.region}, account "
                f"{ctx.account}: names are unique per account and Region, so CloudFormation "
                "would fail the second stack", lid, "Properties",
            )  # fmt: skip
        named[key] = where

    def _warnings(self) -> tuple[LoadWarning, ...]:
        """Parameters that stand as placeholders, then imports kept as external references."""
        stacks = self.loaded.stacks.values()
        placeholders = [
            LoadWarning(
                "parameter-placeholder",
                f"stack {c.name}: parameter '{name}'{_described(c.template, name)} has no value "
                f"and no Default; it stands as '${{{name}}}' where the twin does not need it "
                f"(pass --param {name}=VALUE)",
            )
            for c in stacks
            for name in sorted(c.placeholders)
        ]
        imports = [
            LoadWarning(
                "external-import",
                f"stack {c.name}: Fn::ImportValue '{name}' is exported by no loaded stack in "
                f"{c.region}, account {c.account}; it stands as the external reference "
                f"'{reference}' (load the exporting stack to follow it)",
            )
            for c in stacks
            for name, reference in sorted(c.external.items())
        ]
        configuration = [
            LoadWarning("terraform-configuration", f"stack {c.name}: {message}")
            for c in stacks
            for message in _configuration_warnings(c.template)
        ]
        return (*placeholders, *imports, *configuration)

    def _bus_id(self, ctx: StackContext, lid: str, value: Any, path: str) -> str:
        """The bus a name, ARN or reference denotes; unknown buses become implicit nodes."""
        linked = self.linker.link(value)
        if linked is not None:
            if self.types.get(linked) != "AWS::Events::EventBus":
                raise ctx.error(
                    f"does not refer to an event bus ({self.types.get(linked)})", lid, path
                )
            return linked
        region, name = ctx.region, "default"
        if isinstance(value, ResourceRef):
            raise ctx.error(f"refers to {value}, which is not modeled as a bus", lid, path)
        if value is not None:
            text = Linker.text(value)
            parts = arn_parts(text)
            if parts and parts[2].startswith("event-bus/"):
                region, name = parts[1] or region, parts[2][len("event-bus/") :]
            else:
                name = text
        gid = f"{name}@{region}" if self.multi_region or region != ctx.region else name
        if gid not in self.implicit:
            self.implicit[gid] = EventBus(gid, name, region, ctx.account, implicit=True)
        return gid


def _configuration_warnings(template: Any) -> list[str]:
    """What a Terraform configuration's reader could not evaluate offline (``Metadata``)."""
    metadata = template.get("Metadata") if isinstance(template, Mapping) else None
    found = metadata.get("bridgetwin:warnings") if isinstance(metadata, Mapping) else None
    return [str(m) for m in found] if isinstance(found, list) else []


def _described(template: Any, name: str) -> str:
    """`` (its Description)`` when the template describes the parameter, else nothing."""
    declared = (
        (template.get("Parameters") or {}).get(name) if isinstance(template, Mapping) else None
    )
    text = declared.get("Description") if isinstance(declared, Mapping) else None
    return f" ({text})" if isinstance(text, str) and text else ""
