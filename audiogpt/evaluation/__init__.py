"""``audiogpt eval``: the paper's three axes as a harness (docs/evaluation.md).

- consistency (:mod:`.consistency`): does the engine pick the right tools for a request?
- capability (:mod:`.capability`): how good are the tools' outputs on labelled recordings?
- robustness (:mod:`.robustness`): scripted multi-turn sessions with chains, refusals and errors.

:mod:`.harness` runs a suite with one agent and returns a :class:`~.report.Report`;
:mod:`.plan` is the plan-only handler (no model runs; evaluation only).
"""
