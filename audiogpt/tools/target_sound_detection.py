"""target_sound_detection: when does a described sound occur in a recording?"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from audiogpt.observation import Observation
from audiogpt.tools.base import AudioFile, Tool, ToolInput

_QUOTED = re.compile(r"[\"“']([^\"”']{2,120})[\"”']")
# Request words around the sound's name, removed in order (the text has file names made neutral).
_LEAD = re.compile(
    r"^.*?\b(?:when(?: exactly)?(?: (?:does|do|is|are|can|did|will)(?: (?:you|i) hear)?)?"
    r"|(?:at |in )?(?:what|which) (?:times?|points?|seconds?|moments?)(?: (?:does|do|is|are|did))?"
    r"|(?:the )?(?:moments?|times?|parts?|spots?) (?:where|when)"
    r"|timestamps? (?:of|for)|time spans? (?:of|where)"
    r"|(?:find|locate|spot|detect|mark|search (?:the \w+ )?for|look for|show me|tell me|pinpoint)(?: (?:when|where|"
    r"every time|each time|all(?: of)?|the moments?|the times?))*|is there|does|extract(?: only| just)?"
    r"|exract|pull(?: out)?(?: just| only)?|isolate(?: just| only)?|keep(?: only| just)?|give me(?: only| just)?"
    r"|grab|save|lift(?: out)?|take(?= (?:out|away|the|a|an|just|only)\b)(?: out| away)?(?: just| only)?|get(?: me)?"
    r"|leave me(?: just| only)?|cut out|split off|separate|only)\b\s*",
    re.I,
)
_TAIL = re.compile(
    r"\s*(?:\b(?:in|from|out of|within|into|on|of|inside)\b\s+(?:the|this|that|my)\s+(?:file|audio|recording|clip|"
    r"track|sound|video|field recording|street noise|record|take|song|tape|memo|voice memo)\b.*"
    r"|\b(?:into|as|to) (?:its|their|a|an) (?:own|new|separate)\b.*"
    r"|\b(?:out|and (?:give|remove|drop|keep|leave)|and nothing else|from the (?:rest|traffic|noise)|"
    r"(?:happen|occur)s?|anywhere|somewhere|(?:give|tell) me the times?|please|pls)\b.*|[?.!,]+)\s*$",
    re.I,
)


# Words after which the sound is named, tried before the request words above: "check the file for (any)
# glass breaking", "does it contain crying", "whether the baby cried", "should flag breaking glass",
# "in this recording is the sound of the door knock".
_BEFORE_SOUND = (
    re.compile(
        r"\b(?:check|scan|search|listen (?:to|through)|go (?:through|over)|comb(?: through)?|monitor)\b.*?\bfor\s+"
        r"(?:any\s+|a\s+|an\s+|the\s+)?(?:(?:sounds?|noises?) of\s+)?",
        re.I,
    ),
    re.compile(r"\b(?:contains?|containing|includes?)\s+(?:any\s+|a\s+|an\s+)?", re.I),
    re.compile(r"\b(?:flag|catch|notice|hear)s?\s+(?:any\s+|a\s+|an\s+)?", re.I),
    re.compile(
        r"\b(?:whether|if)(?!\s+(?:so|you|we|i)\b)\s+(?:there (?:is|are|was|were|'s)\s+(?:any\s+|a\s+|an\s+)?)?", re.I
    ),
    re.compile(r"\b(?:is|are)\s+(?=the (?:sound|noise) of\b)", re.I),
)
_WHEN_TAIL = re.compile(
    r"\s*\b(?:and (?:if so,? )?(?:when|where|at what time|tell|let|show|give)|during|at night|overnight"
    r"|at (?:any|some) point|ever)\b.*$",
    re.I,
)
_NOT_A_SOUND_START = re.compile(r"(?:them|me|give|send|put|save|return|hand)\b", re.I)
_NOT_A_SOUND = {"it", "this", "that", "them", "they", "something", "anything", "the sound", "the noise", "a sound"}


def sound_target(text: str) -> str | None:
    """The sound a request names ("when does the dog bark in the file" → "the dog bark"), or None.

    A quoted description wins; otherwise the request words around the name are removed."""
    quoted = _QUOTED.search(text)
    if quoted:
        return quoted.group(1).strip()
    body = re.sub(r"\x00\d+\x00", " ", text).strip()
    body = re.sub(r"\s*\b(?:please|pls|plz)\b,?", "", body, flags=re.I).strip()  # "find please the moment…"
    for before in _BEFORE_SOUND:
        m = before.search(body)
        if m and (named := _named_sound(_WHEN_TAIL.sub("", body[m.end() :]))):
            return named
    return _named_sound(_WHEN_TAIL.sub("", _LEAD.sub("", body, count=1)))  # the words after the request words


def _named_sound(body: str) -> str | None:
    for _ in range(3):  # tails can nest: "… from the recording, please"
        body = _TAIL.sub("", body).strip()
    body = re.sub(r"^(?:the (?:sound|noise) of|only|just)\s+", "", body, flags=re.I).strip()
    body = re.sub(r"\s+\b(?:from|in|out of)\s+(?:this|it|that|here)$", "", body, flags=re.I).strip(" —–-:")
    if body.lower() in _NOT_A_SOUND or _NOT_A_SOUND_START.match(body):  # "give it to me alone in one file"
        return None
    return body if 1 < len(body) <= 120 else None


def target_argument(text: str, duration_s: float | None) -> dict[str, Any]:
    """The router's reader for ``target`` (shared by target_sound_detection and sound_extraction)."""
    target = sound_target(text)
    return {"target": target} if target else {}


def describe_spans(r: Observation) -> dict[str, Any]:
    """{spans}: the spans where the target was heard, with their scores."""
    spans = [f"{float(e['start_s']):.2f}–{float(e['end_s']):.2f} s ({float(e.get('score', 1)):.0%})" for e in r.events]
    return {"spans": ", ".join(spans[:10]) + (", …" if len(spans) > 10 else "")}


class TargetSoundDetectionInput(ToolInput):
    audio: AudioFile
    # No length bounds here: the adapter answers an empty or essay-long description in a sentence.
    target: str = Field(max_length=20_000, description="the sound to find, in a few words, e.g. 'dog barking'")


TOOL = Tool(
    name="target_sound_detection",
    category="understanding",
    description="Find when a sound described in free text occurs in a recording (e.g. 'dog barking', 'glass "
    "breaking'): time spans with scores and a timeline. 'Not found' is a valid answer.",
    traits=frozenset({"reads_quotes"}),
    input_model=TargetSoundDetectionInput,
    output="events",
    reply="“{target}” in {input}: heard at {spans}",  # {input} {target} {spans}
    reply_empty="I did not hear “{target}” in {input}.",
    arguments=target_argument,
    describe=describe_spans,
    hint="Tell me which sound to look for, e.g. 'when does the dog bark in the file?'.",
    capability="audiogpt.evaluation.listening:target_sound_detection",
    examples_path=Path(__file__).with_suffix(".yaml"),
)
