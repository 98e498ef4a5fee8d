"""Running an adapter without the agent or the handler: for tests, benchmarks and notebooks."""

from __future__ import annotations

from typing import Any

from foundation_models.base import FoundationModel, ModelOutput, RunContext


def run_with(model: FoundationModel, max_output_s: float = 1800.0, **values: Any) -> ModelOutput:
    """Run an adapter outside the handler (tests, benchmarks): ``values`` are validated by its tool's
    input model, file fields given already resolved (an :class:`Audio`, a list of them, a path)."""
    from audiogpt.tools import get_tool

    inputs = get_tool(model.task).input_model.with_files(**values)
    return model.run(inputs, RunContext(max_output_s=max_output_s))
