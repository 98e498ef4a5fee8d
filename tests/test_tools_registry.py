"""The tool registry's contract, checked over every registered tool (built-in or from a plug-in)."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import audiogpt.tools as registry
from audiogpt.audio import Audio
from audiogpt.tools import CATALOG, PLANNED, DuplicateToolError, Tool, ToolInput
from audiogpt.tools.base import Cue
from foundation_models import adapter_class
from foundation_models.base import FoundationModel, ModelOutput, RunContext
from foundation_models.dsp_function import FunctionAdapter, load_function

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"
TOOLS = sorted(CATALOG)


def _configured_models() -> dict[str, dict[str, str]]:
    models: dict[str, dict[str, str]] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))["models"]
    return models


def _configured() -> dict[str, str]:
    return {task: spec["adapter"] for task, spec in _configured_models().items()}


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
    run = cls.run
    if cls is FunctionAdapter:  # a DSP tool served by a function the config names
        run = load_function(_configured_models()[name]["model"])
    else:
        assert cls.task == name
    hints = typing.get_type_hints(run)
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


def test_the_engines_name_no_catalog_tool() -> None:
    """The router reads what it knows about tools from the registry (traits, hooks, examples): no
    catalog tool's name is written as a string in audiogpt/engines/."""
    import re

    engines = Path(registry.__file__).parents[1] / "engines"
    names = "|".join(sorted(CATALOG, key=len, reverse=True))
    found = [
        f"{path.name}:{i}: {line.strip()}"
        for path in sorted(engines.glob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(rf"[\"'](?:{names})(?:_\w+)?[\"']", line)
    ]
    assert not found, "\n".join(found)


def _sample_args(tool: Tool) -> dict[str, object]:
    """Arguments a call could have had: each field's default, else a value of its type."""
    out: dict[str, object] = {}
    for name, field in tool.input_model.model_fields.items():
        if name in tool.file_kinds():
            out[name] = ["audio/00000001.wav", "audio/00000002.wav"] if "files" in name else "audio/00000001.wav"
        elif not field.is_required():
            out[name] = field.default
        else:
            out[name] = {"text": "hello", "effects": [{"name": "reverb"}]}.get(name, 1.5)
    return out


@pytest.mark.parametrize("name", TOOLS)
def test_the_reply_template_formats_with_a_sample_output(name: str) -> None:
    from audiogpt.engines.router_replies import ToolResult, describe_result

    tool = CATALOG[name]
    made = "audio/0000000f.wav" if tool.output == "audio" else "image/0000000f.png"
    result = ToolResult(
        tool=name, args=_sample_args(tool), ok=True, content=f"{name} succeeded.", structured=True,
        files=[made] if tool.output in ("audio", "image") else [], inputs=["audio/00000001.wav"],
        text="some words" if tool.output == "text" else None,
        events=[{"label": "Speech", "start_s": 0.5, "end_s": 1.5, "score": 0.9}],
        labels=[("Speech", 0.9)], duration_s=1.0,
        facts={made: {"duration_s": 1.0, "sample_rate": 16000, "channels": 1}} if tool.output == "audio" else {},
    )  # fmt: skip
    line = describe_result(result)
    assert line.strip() and "{" not in line, line
    if tool.reply_empty:  # nothing found: the empty reply formats too
        empty = ToolResult(tool=name, args=result.args, ok=True, content="", structured=True, text="")
        assert "{" not in describe_result(empty)


@pytest.mark.parametrize("name", TOOLS)
def test_every_required_field_has_a_filler_or_a_default(name: str) -> None:
    tool = CATALOG[name]
    required = [n for n, f in tool.input_model.model_fields.items() if f.is_required() and n not in tool.file_kinds()]
    unfilled = [n for n in required if n not in tool.slots and tool.arguments is None]
    assert not unfilled, f"{name}: no filler for {unfilled}; declare a slot, give a default or an `arguments` hook"


def test_every_slot_kind_has_a_reader_and_a_bad_slot_is_refused() -> None:
    from audiogpt.engines.router_args import SLOT_READERS
    from audiogpt.tools.base import SLOTS

    assert set(SLOT_READERS) == set(SLOTS)
    with pytest.raises(ValueError, match="slots"):  # no such field
        Tool("x_tool", "editing", "does x", ToolInput, "audio", capability_exempt="a test", slots={"rate": "count"})
    with pytest.raises(ValueError, match="slots"):  # no such kind
        Tool("x_tool", "editing", "does x", CATALOG["sound_event_detection"].input_model, "events",
             capability_exempt="a test", slots={"top_k": "how_many"})  # fmt: skip


def test_a_declared_slot_is_filled_by_the_router_for_a_new_tool() -> None:
    """A plugin's field is read from ordinary words because it declares the slot, not because of its name."""
    from pydantic import Field

    from audiogpt.engines.router import OfflineRouter
    from audiogpt.tools.base import AudioFile

    class CountInput(ToolInput):
        audio: AudioFile
        how_many: int = Field(3, ge=1, le=20)

    tool = Tool("count_things", "understanding", "counts things", CountInput, "text", capability_exempt="a test",
                slots={"how_many": "count"})  # fmt: skip
    schema = {"type": "function", "function": {"name": tool.name, "parameters": CountInput.model_json_schema()}}
    router = OfflineRouter().bind_tools([schema])
    try:
        registry.register(tool, "test")
        assert router._arguments("count_things", "list the top 7 things", None) == {"how_many": 7}
    finally:  # leave the registry as it was for the other tests
        del CATALOG["count_things"]
        registry._SOURCES.pop("count_things")


def test_a_generative_tools_seed_is_recorded_in_provenance(tmp_path: Path) -> None:
    from audiogpt.config import Limits
    from audiogpt.handler import TaskHandler
    from audiogpt.session import SessionStore
    from foundation_models.pool import ModelPool

    pool = ModelPool({"text_to_speech": {"adapter": "tests.test_tools_registry:SeededVoice"}}, device="cpu")
    session = SessionStore(tmp_path / "ws").create()
    obs = TaskHandler(session, pool, Limits()).call("text_to_speech", {"text": "hello"})
    assert obs.ok and obs.info["seed"] == 1234
    assert session.resolve(obs.files[0]).provenance["seed"] == 1234


class SeededVoice(FoundationModel):
    """Stands in for a generative model that reports the seed it drew (tests provenance only)."""

    task = "text_to_speech"
    default_model = "seeded"

    def _load(self) -> None:
        pass

    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        return ModelOutput(audio=[Audio(np.zeros(1600, dtype=np.float32), 16000)], info={"seed": 1234})
