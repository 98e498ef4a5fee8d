"""A tool served by a plain function (signal processing, measurement) instead of a model.

The config names the function as the model: ``{adapter: function, model: "package.module:function"}``.
The function has the adapter signature ``(inputs, ctx) -> ModelOutput`` and usually lives in the
tool's own module, so a DSP tool is one file plus one config line. ``libraries`` (an option) are
imported on load, so a missing one fails with an install hint before any request is served.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, ClassVar

from audiogpt.errors import UserError
from foundation_models.base import ModelOutput, RunContext
from foundation_models.edit_base import EditingTool

Function = Callable[[Any, RunContext], ModelOutput]


def load_function(ref: str) -> Function:
    """The function named ``package.module:function``."""
    module, _, name = ref.partition(":")
    if not module or not name:
        raise UserError(f"model {ref!r} must name a function as 'package.module:function'")
    function: Function = getattr(importlib.import_module(module), name)
    return function


class FunctionAdapter(EditingTool):
    """Runs the configured function; stateless, so calls run side by side like the editing tools."""

    task: ClassVar[str] = "function"  # the tool it serves comes from the config (see ``serves``)
    default_model = ""

    def __init__(self, model: str | None = None, device: str = "cpu", **options: Any) -> None:
        super().__init__(model, device, **options)
        self.libraries = tuple(options.get("libraries", ()))  # type: ignore[misc]
        self.function: Function | None = None

    def _load(self) -> None:
        super()._load()
        self.function = load_function(self.model_id)

    def _unload(self) -> None:
        self.function = None

    def run(self, inputs: Any, ctx: RunContext) -> ModelOutput:
        """Call the configured function with the tool's validated inputs."""
        self.load()
        assert self.function is not None
        return self.function(inputs, ctx)
