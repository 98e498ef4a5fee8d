"""Dialogue engines: LangChain chat models that drive the agent (an LLM or the offline router)."""
