"""The tool registry's contract, checked over every registered tool (built-in or from a plug-in)."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest
import yaml

import audiogpt.tools as registry
from audiogpt.tools import CATALOG, PLANNED, DuplicateToolError, Tool, ToolInput
from audiogpt.tools.base import Cue
from foundation_models import adapter_class

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"
TOOLS = sorted(CATALOG)


def _configured() -> dict[str, str]:
    models = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))["models"]
    return {task: spec["adapter"] for task, spec in models.items()}


def test_every_builtin_module_declares_one_tool_named_after_it() -> None:
    folder = Path(registry.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "base", "planned")}
    assert modules <= set(CATALOG)
    for name in modules:
        assert importlib.import_module(f"audiogpt.tools.{name}").TOOL.name == name


def test_a_duplicate_name_is_refused_naming_both_declarations() -> None:
    with pytest.raises(DuplicateToolError, match=r"declared twice.*audiogpt\.tools\.trim_audio.*my_plugin"):
        registry.register(CATALOG["trim_audio"], "my_plugin")
    assert CATALOG["trim_audio"] is importlib.import_module("audiogpt.tools.trim_audio").TOOL


def test_a_tool_without_a_capability_measure_must_say_why() -> None:
    with pytest.raises(ValueError, match="capability"):
        Tool("x_tool", "editing", "does x", ToolInput, "audio")
    with pytest.raises(ValueError, match="lower_snake_case"):
        Tool("X Tool", "editing", "does x", ToolInput, "audio", capability_exempt="a test")


def test_registering_a_planned_name_removes_it_from_planned() -> None:
    tool = Tool("voice_clone", "generation", "clone a voice", ToolInput, "audio", capability_exempt="a test")
    assert "voice_clone" in PLANNED
    try:
        registry.register(tool, "test")
        assert "voice_clone" not in PLANNED and CATALOG["voice_clone"] is tool
    finally:  # leave the registry as it was for the other tests
        del CATALOG["voice_clone"]
        registry._SOURCES.pop("voice_clone")
        PLANNED["voice_clone"] = registry.PLANNED_TOOLS["voice_clone"]


@pytest.mark.parametrize("name", TOOLS)
def test_tool_declaration(name: str) -> None:
    tool = CATALOG[name]
    assert tool.name == name and name not in PLANNED
    assert tool.description.strip() and tool.category in typing.get_args(registry.Category)
    assert tool.output in typing.get_args(registry.OutputKind)
    assert issubclass(tool.input_model, ToolInput)
    examples = tool.examples
    assert len(examples) >= 30, f"{name} has {len(examples)} routing examples; write at least 30"
    assert len({e.lower() for e in examples}) == len(examples), "an example is listed twice"
    assert all(isinstance(c, Cue) for c in tool.cues)
    if tool.capability:
        module, _, function = tool.capability.partition(":")
        assert callable(getattr(importlib.import_module(module), function))
    else:
        assert tool.capability_exempt and len(tool.capability_exempt) > 10


def test_routing_examples_are_unique_across_tools() -> None:
    owner: dict[str, str] = {}
    for name, tool in CATALOG.items():
        for text in tool.examples:
            key = " ".join(text.lower().split())
            assert key not in owner, f"{text!r} is an example of both {owner[key]} and {name}"
            owner[key] = name


@pytest.mark.parametrize("name", TOOLS)
def test_the_configured_adapter_takes_the_tools_input_model(name: str) -> None:
    adapter = _configured().get(name)
    assert adapter, f"configs/default.yaml has no model for {name}"
    cls = adapter_class(adapter)
    assert cls.task == name
    hints = typing.get_type_hints(cls.run)
    assert list(hints)[:2] == ["inputs", "ctx"]
    assert hints["inputs"] is CATALOG[name].input_model


def test_a_plugin_tool_is_registered_from_its_entry_point() -> None:
    from importlib.metadata import EntryPoint

    good = EntryPoint("x_measure", "tests.test_tools_registry:PLUGIN_TOOL", registry.ENTRY_POINT_GROUP)
    broken = EntryPoint("broken", "tests.no_such_module:TOOL", registry.ENTRY_POINT_GROUP)
    try:
        registry.load_plugins([broken, good])  # a broken plug-in is logged, the others still load
        assert CATALOG["x_measure"] is PLUGIN_TOOL
        with pytest.raises(DuplicateToolError, match="x_measure"):
            registry.load_plugins([good])
    finally:
        CATALOG.pop("x_measure", None)
        registry._SOURCES.pop("x_measure", None)


PLUGIN_TOOL = Tool("x_measure", "understanding", "measures x", ToolInput, "text", capability_exempt="a test plug-in")
