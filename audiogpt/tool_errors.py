"""Tool failures as sentences about the user's input, never a library's exception text.

Validation errors name the argument, the allowed range (both ends, with the unit the field's name
carries) and the value that was asked for: "gain_db must be between −60 and 40 dB; you asked for
1000000000". Unexpected exceptions are logged in full under a short id and reported as "the tool
failed unexpectedly (logged as …)", so a turn goes on and the log has everything.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

MAX_SHOWN = 60  # characters of a user's value repeated in a message
UNITS = {"sample_rate": "Hz", "_db": "dB", "_s": "s", "_ms": "ms", "_hz": "Hz", "_lufs": "LUFS",
         "semitones": "semitones"}  # fmt: skip


def unexpected_failure(tool: str, exc: BaseException) -> str:
    """Log ``exc`` with its traceback under a fresh id; the sentence for the user names only the id."""
    incident = uuid.uuid4().hex[:8]
    log.error("tool %s failed unexpectedly (incident %s)", tool, incident, exc_info=exc)
    return f"{tool} failed unexpectedly (logged as {incident}); the session and its files are unchanged"


def explain_validation(tool: str, model: type[BaseModel], exc: ValidationError) -> str:
    """One sentence per problem (at most four) for a tool's arguments."""
    schema = model.model_json_schema()
    parts = [_explain(tool, schema, err) for err in exc.errors(include_url=False)[:4]]
    return f"invalid arguments for {tool}: " + "; ".join(dict.fromkeys(parts))


def _explain(tool: str, schema: dict[str, Any], err: Any) -> str:
    loc = tuple(err.get("loc") or ())
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    value = _shown(err.get("input"))
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "the input")
    node = _walk(schema, loc)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        low, high = _bounds(schema, node)
        unit = _unit(name)
        if low is not None and high is not None:
            return f"{name} must be between {_num(low)} and {_num(high)}{unit}; you asked for {value}"
        bound = next(iter(ctx.values()), None)
        side = "at least" if kind.startswith("greater") else "at most"
        return f"{name} must be {side} {_num(bound)}{unit}; you asked for {value}"
    if kind == "finite_number":
        low, high = _bounds(schema, node)
        within = f" between {_num(low)} and {_num(high)}{_unit(name)}" if low is not None and high is not None else ""
        return f"{name} must be a finite number{within}; you asked for {value}"
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        known = ", ".join(_walk(schema, loc[:-1]).get("properties", {})) or "none"
        return f"{tool} has no argument {name!r}; its arguments are {known}"
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not one of the choices; choose from {ctx.get('expected_tags')}"
    if kind in ("literal_error", "enum"):
        return f"{name} must be one of {ctx.get('expected')}; you asked for {value}"
    if kind in ("string_too_short", "too_short"):
        least = ctx.get("min_length", 1)
        return f"{name} is empty" if least == 1 and not err.get("input") else f"{name} needs at least {least} items"
    if kind in ("string_too_long", "too_long"):
        return f"{name} is too long; at most {ctx.get('max_length')} {'characters' if 'string' in kind else 'items'}"
    if kind == "value_error":  # our own model validators: their message is already a sentence
        return str(ctx.get("error") or err.get("msg", "")).removeprefix("Value error, ")
    if kind.startswith(("float", "int", "bool", "string", "list", "dict", "model")):
        expected = kind.split("_")[0].replace("float", "number").replace("int", "whole number")
        expected = {"string": "text", "list": "list", "dict": "mapping", "model": "mapping"}.get(expected, expected)
        return f"{name} must be {_article(expected)} {expected}; you asked for {value}"
    return f"{name} has a value that cannot be used: {value}"


def _walk(schema: dict[str, Any], loc: tuple[Any, ...]) -> dict[str, Any]:
    """The JSON-schema node an error location points at (follows $ref, items and tagged unions)."""
    defs = schema.get("$defs", {})
    node = schema
    for part in loc:
        node = _deref(node, defs)
        if isinstance(part, int):
            arrays = [node, *(_deref(o, defs) for o in node.get("anyOf", []))]
            node = next((a["items"] for a in arrays if "items" in a), {})
            continue
        props = node.get("properties", {})
        if part in props:
            node = props[part]
            continue
        for option in node.get("oneOf", []) + node.get("anyOf", []):
            option = _deref(option, defs)
            tag = option.get("properties", {}).get("name", {}).get("const")
            if tag == part or part in option.get("properties", {}):
                node = option if tag == part else option["properties"][part]
                break
    return _deref(node, defs)


def _deref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    return node


def _bounds(schema: dict[str, Any], node: dict[str, Any]) -> tuple[float | None, float | None]:
    defs = schema.get("$defs", {})
    for option in [node, *(_deref(o, defs) for o in node.get("anyOf", []))]:
        low = option.get("minimum", option.get("exclusiveMinimum"))
        high = option.get("maximum", option.get("exclusiveMaximum"))
        if low is not None or high is not None:
            return low, high
    return None, None


def _unit(name: str) -> str:
    for suffix, unit in UNITS.items():
        if name.endswith(suffix):
            return f" {unit}"
    return ""


def _num(x: Any) -> str:
    if isinstance(x, float) and math.isfinite(x) and x.is_integer():
        x = int(x)
    return str(x).replace("-", "−") if isinstance(x, (int, float)) else str(x)


def _shown(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _num(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
