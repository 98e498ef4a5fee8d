"""Plan-only mode (evaluation only): tool calls are validated and their files resolved by the real
handler, but no model runs; each call returns a placeholder of the tool's declared output kind so
chains continue. Results made this way measure tool selection, never output quality."""

from __future__ import annotations

import numpy as np

from audiogpt.audio import Audio
from audiogpt.handler import TaskHandler
from audiogpt.tools import CATALOG
from audiogpt.tools.base import ToolInput
from foundation_models.base import ModelOutput, RunContext

MODE = "plan-only (models not run)"
PLACEHOLDER_MODEL = "placeholder (plan-only evaluation: no model was run)"
PLACEHOLDER_TEXT = "[placeholder transcript]"
PLACEHOLDER_SR = 16000  # Hz; the placeholder audio is 1 s of silence
# The smallest valid PNG: 1×1 pixel, 8-bit grey.
PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c636000000002000148afa4710000000049454e44ae426082"
)


def placeholder_output(tool: str, inputs: ToolInput | None = None) -> ModelOutput:
    """What a plan-only call returns: a placeholder of ``tool``'s declared output kind, as many audio
    files as the real call would make (``Tool.outputs``: one per speaker, per stem…)."""
    spec = CATALOG[tool]
    kind = spec.output
    if kind == "audio":
        count = spec.outputs(inputs) if spec.outputs is not None and inputs is not None else 1
        return ModelOutput(audio=[Audio(np.zeros(PLACEHOLDER_SR, dtype=np.float32), PLACEHOLDER_SR)] * count)
    if kind == "image":
        return ModelOutput(images=[PLACEHOLDER_PNG])
    if kind == "text":
        return ModelOutput(text=PLACEHOLDER_TEXT)
    return ModelOutput()  # events: none found


class PlanOnlyHandler(TaskHandler):
    """A :class:`TaskHandler` whose model run is replaced by :func:`placeholder_output`.

    Argument validation, file resolution (decoding audio inputs), artifact saving and the
    observation text are the real handler's; only ``_run_model`` differs, and its artifacts say
    ``placeholder`` in their provenance's ``model``.
    """

    def _run_model(self, tool: str, inputs: ToolInput, ctx: RunContext) -> tuple[ModelOutput, str]:
        return placeholder_output(tool, inputs), PLACEHOLDER_MODEL
