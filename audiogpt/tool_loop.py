"""A turn's tool-calling loop: the engine (any LangChain chat model with ``bind_tools``) answers with
tool calls, the catalog tools run them, their messages go back to it, until it answers in words.

This is the loop ``langchain.agents.create_agent`` builds as a LangGraph graph, written out: the
graph added 0.2–0.3 s of imports and set-up to every one-shot CLI turn and nothing the agent uses
(no checkpoints, interrupts or middleware). The offline router still works inside ``create_agent``
(``tests/test_router.py``), for anyone who embeds it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool


class StepLimitReached(Exception):
    """The engine was still calling tools after ``max_model_calls`` answers; ``messages`` so far."""

    def __init__(self, messages: list[BaseMessage]) -> None:
        super().__init__("too many steps")
        self.messages = messages


def run_tools_loop(
    model: BaseChatModel, tools: Sequence[BaseTool], messages: Sequence[BaseMessage], max_model_calls: int
) -> list[BaseMessage]:
    """The conversation after the engine's final answer (its last message), tool calls in order."""
    bound = model.bind_tools(list(tools))
    by_name = {tool.name: tool for tool in tools}
    history = list(messages)
    for _ in range(max_model_calls):
        answer = bound.invoke(history)
        history.append(answer)
        calls = answer.tool_calls if isinstance(answer, AIMessage) else []
        if not calls:
            return history
        history += [_run(by_name, call) for call in calls]
    raise StepLimitReached(history)


def _run(tools: dict[str, BaseTool], call: Any) -> ToolMessage:
    """One tool call's message: the tool's content and artifact, or why there is no such tool."""
    tool = tools.get(call["name"])
    if tool is None:  # the same words LangGraph's ToolNode gives the model
        known = ", ".join(tools)
        return ToolMessage(
            content=f"Error: {call['name']} is not a valid tool, try one of [{known}].",
            name=call["name"],
            tool_call_id=call["id"],
            status="error",
        )
    result = tool.invoke({**call, "type": "tool_call"})
    return result if isinstance(result, ToolMessage) else ToolMessage(str(result), tool_call_id=call["id"])
