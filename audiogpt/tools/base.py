"""The tool declaration: everything the agent, the router, the handler and ``audiogpt eval`` know
about one public tool, declared once in the tool's own module (``audiogpt/tools/<name>.py``).

A file argument is a session artifact name, never a path. Its JSON schema carries
``artifact_kind`` (audio or video) so the handler, the router and MCP know what to resolve.
See docs/adding-a-tool.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from audiogpt.observation import Observation, SessionFile
from audiogpt.yaml_load import load_yaml

OutputKind = Literal["audio", "text", "events", "image"]
Category = Literal["generation", "understanding", "processing", "editing"]


class ToolInput(BaseModel):
    """Base of every tool's input: unknown arguments are refused rather than silently dropped, and
    NaN/infinite numbers are refused rather than reaching the audio code."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @classmethod
    def file_kinds(cls) -> dict[str, str]:
        """Each file field and the artifact kind it takes (``audio`` or ``video``)."""
        return {name: k for name, f in cls.model_fields.items() if (k := artifact_kind(f))}

    @classmethod
    def with_files(cls, **values: Any) -> Self:
        """Validated inputs whose file fields hold already-resolved objects (an :class:`Audio`, a list
        of them, or a path), the way the handler gives them to an adapter. The other values are
        validated as usual; the file fields are validated as placeholder names of the right shape."""
        files = {k: values[k] for k in cls.file_kinds() if k in values}
        names = {
            k: [f"audio/{i}.wav" for i in range(len(v))] if isinstance(v, list) else "file" for k, v in files.items()
        }
        return cls.model_validate({**values, **names}).model_copy(update=files)


def _file(kind: str, example: str) -> Any:
    article = "an" if kind[0] in "aeiou" else "a"
    return Field(
        min_length=1,
        max_length=200,
        description=f"name of {article} {kind} file listed in this session, e.g. {example}",
        json_schema_extra={"artifact_kind": kind},
    )


AudioFile = Annotated[str, _file("audio", "audio/3f9a1c2e.wav")]
VideoFile = Annotated[str, _file("video", "video/5b21d0aa.mp4")]
AudioFiles = Annotated[
    list[AudioFile],
    Field(
        min_length=2,
        max_length=20,
        description="names of audio files listed in this session, in order (at least 2)",
        json_schema_extra={"artifact_kind": "audio"},
    ),
]
Seconds = Annotated[float, Field(ge=0, le=36_000)]


def artifact_kind(field: FieldInfo) -> str | None:
    """The artifact kind a field holds (``audio``/``video``), or None for a plain argument."""
    extra = field.json_schema_extra
    if isinstance(extra, dict):
        kind = extra.get("artifact_kind")
        return str(kind) if kind else None
    for meta in field.metadata:  # Annotated[str, Field(...)] keeps its extra on the metadata
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and extra.get("artifact_kind"):
            return str(extra["artifact_kind"])
    return None


# A tool's own argument reader: (step text with quotes masked and file names neutral, the input
# file's duration in seconds or None) → arguments. Only for what the generic slot filler cannot read.
ArgumentHook = Callable[[str, float | None], dict[str, Any]]
# For a tool taking a list of files: (step text, the chosen file names, the session's files with
# their roles) → (the files in the order the tool needs, arguments that depend on it).
OrderFilesHook = Callable[[str, list[str], list[SessionFile]], tuple[list[str], dict[str, Any]]]
# Extra reply placeholders computed from a successful result (``{segments}``, ``{detail}``…).
DescribeHook = Callable[[Observation], dict[str, Any]]
# A request the tool cannot serve although it is routed to it ("translate into French" for an
# English-only translator): the step's text → a sentence saying why, or None.
RefuseHook = Callable[[str], str | None]

# What the offline router may know about a tool, declared as data instead of by its name.
TRAITS = {
    "changes_recording": "changes the recording itself (length, speed, pitch, sound); asked of a video without "
    "naming its sound, the request means the video, which no tool edits",
    "needs_duration": "its argument reader needs the input's duration ('the last 5 seconds')",
    "merge_steps": "consecutive steps for this tool on one file are one call ('add reverb and boost the bass')",
    "format_converter": "converts a recording's format; a first step that makes a recording 'as mp3' is followed by it",
    "video_to_audio": "takes the sound out of a video; runs first when an audio step is about a video",
    "new_recording": "makes a new recording (from text or a video)",
    "reads_quotes": "its argument reader gets the step with quoted text intact (a transcript, a sound to find)",
    "voice_output": "its output is a voice (for mixing: the voice goes on top)",
    "whole_scene": "generates a whole scene (speech, effects, music, ambience) in one call; a generation step split "
    "from the same request ('… and a sad saxophone under it') is one of its parts, not another file",
}


# How the offline router reads a field from ordinary words, declared per field (``Tool.slots``: field →
# kind) instead of known by the field's name; the readers are the router's (``router_args.SLOT_READERS``).
SLOTS = {
    "words_to_speak": "the words to say: the quoted text, else the words after say / speak / read out",
    "speaking_rate": "a speaking rate from 'slowly' (0.8), 'fast' (1.3) or 'at 1.5x speed'",
    "language": "the ISO 639-1 code of a language the request names ('in French' → 'fr')",
    "probability": "a threshold between 0 and 1 from 'threshold 0.3' or 'with a 30% threshold'",
    "count": "how many results to list: 'top 3 sounds', 'five labels'",
}


@dataclass(frozen=True)
class Cue:
    """A keyword cue: ``bonus`` added to the tool's routing score when ``pattern`` (a case-insensitive
    regular expression) matches the step, quotes masked and file names neutral."""

    pattern: str
    bonus: float
    quoted: bool = False  # only when the step has quoted text


@dataclass(frozen=True)
class Tool:
    """One public tool: what the LLM reads, what it may pass, what it gets back, how it is routed.

    ``description`` is written for an LLM and names no model (the config chooses the model).
    ``examples_path`` is a YAML file with ``examples:`` (≥ 30 requests the tool serves) and
    optionally ``cues:`` (``{pattern, bonus}``); ``examples``/``cues`` may also be given inline.
    ``reply`` is the router's one-line answer (``str.format`` with the placeholders the router
    documents; ``reply_empty`` when nothing was found), ``hint`` what to say when a request gives
    the tool nothing to work with. ``slots`` say how the router fills fields from ordinary words
    (field → a kind of ``SLOTS``); ``arguments`` is the tool's own argument reader, for what no
    shared kind reads. ``outputs`` counts the audio files a call makes when that is not one.
    ``capability`` is its measure for ``audiogpt eval capability``
    (``"module:function"`` taking a capability ``Context``), else ``capability_exempt`` says why not.
    """

    name: str
    category: Category
    description: str
    input_model: type[ToolInput]
    output: OutputKind
    reply: str = "{tool}: {content}"
    reply_empty: str | None = None
    hint: str | None = None
    arguments: ArgumentHook | None = None
    capability: str | None = None
    capability_exempt: str | None = None
    examples_path: Path | None = None
    inline_examples: Sequence[str] = ()
    inline_cues: Sequence[Cue] = ()
    order_files: OrderFilesHook | None = None
    describe: DescribeHook | None = None
    refuse: RefuseHook | None = None
    continues: str | None = None  # a following step that fully matches this regex belongs to this step
    traits: frozenset[str] = frozenset()
    slots: Mapping[str, str] = field(default_factory=dict)  # field → how ordinary words fill it (SLOTS)
    # how many audio files one call makes for these inputs when it is not one (one per speaker, per stem…);
    # plan-only evaluation makes that many placeholders, so "…then transcribe each" is planned as it runs
    outputs: Callable[[Any], int] | None = None
    info: Mapping[str, Any] = field(default_factory=dict)  # anything else a front end may show

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"tool name {self.name!r} must be a lower_snake_case identifier")
        unknown = set(self.traits) - set(TRAITS)
        if unknown:
            raise ValueError(f"tool {self.name!r}: unknown traits {sorted(unknown)}; known = {sorted(TRAITS)}")
        bad = {f: k for f, k in self.slots.items() if k not in SLOTS or f not in self.input_model.model_fields}
        if bad:
            raise ValueError(
                f"tool {self.name!r}: slots {bad} name no field of its input or no kind of {sorted(SLOTS)}"
            )
        if not (self.capability or self.capability_exempt):
            raise ValueError(f"tool {self.name!r} needs a capability measure or capability_exempt with the reason")

    def slot_field(self, kind: str) -> str | None:
        """The input field this tool fills with a slot of ``kind``, if any."""
        return next((f for f, k in self.slots.items() if k == kind), None)

    @functools.cached_property
    def _routing(self) -> dict[str, Any]:
        if self.examples_path is None:
            return {}
        data = load_yaml(self.examples_path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{self.examples_path} must hold a mapping with 'examples' (and optional 'cues')")
        return data

    @property
    def examples(self) -> list[str]:
        """Requests this tool serves, for the offline router (the YAML's and the inline ones)."""
        return [str(t) for t in self._routing.get("examples") or []] + list(self.inline_examples)

    @property
    def cues(self) -> list[Cue]:
        """Keyword cues for the offline router."""
        cues = [
            Cue(str(c["pattern"]), float(c["bonus"]), bool(c.get("quoted"))) for c in self._routing.get("cues") or []
        ]
        return cues + list(self.inline_cues)

    def file_fields(self) -> list[str]:
        """Names of the input fields that hold session file names (one name, or a list of names)."""
        return list(self.input_model.file_kinds())

    def file_kinds(self) -> dict[str, str]:
        """Each file field and the artifact kind it takes (``audio`` or ``video``)."""
        return self.input_model.file_kinds()


ToolSpec = Tool  # the name the agent, UI and evaluation code used before the registry
