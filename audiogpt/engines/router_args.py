"""Text rules of the offline router: split a request into steps, and pull the model tools'
arguments (quoted text, speaking rate, language, threshold, top-k) out of plain English. The
editing tools' arguments are in ``router_edit_args`` / ``router_effects``, the session's files in
``router_files`` (re-exported here). Pure functions over strings; no models here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from audiogpt.engines.router_files import SessionFile, explicit_file, named_files, upload_ref
from audiogpt.formats import extension_pattern
from audiogpt.slots import COUNT_WORDS, LANGUAGE_NAME, LANGUAGES, TIME

__all__ = ["SessionFile", "explicit_file", "named_files", "upload_ref"]  # kept here for callers of router_args

MAX_STEPS = 6  # a longer chain is almost always a misread request

# "…", '…' (apostrophes inside words allowed), “…”, ‘…’
QUOTE_RE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'((?:[^']|(?<=\w)'(?=\w))+)'(?!\w)")
_TOKEN_RE = re.compile(r"\x00(\d+)\x00")

_ACTION_VERBS = (
    "transcribe|translate|detect|find|tag|identify|list|clean|denoise|enhance|remove|say|speak|read|"
    "tell|show|give|label|classify|check|make|convert|generate|compose|create|separate|run|write|"
    "pronounce|reduce|locate|mark|turn|get|strip|kill|"
    # editing
    "cut|trim|chop|crop|shorten|join|concatenate|append|stitch|merge|combine|mix|overlay|layer|add|apply|"
    "boost|increase|decrease|amplify|normali[sz]e|fade|reverse|compress|export|save|resample|transpose|"
    "raise|lower|change|plot|draw|visuali[sz]e|display|pull|extract|rip|put|"
    # things no tool does, split off so that the doable part still runs and the rest is answered
    "email|send|upload|share|post|publish|fill|sing|clone|isolate|master|animate|describe|caption|"
    # words that are verbs only with an object ("speed it up", not ", speed 0.8")
    r"(?:speed|slow|play|pitch|shift|limit)\s+(?:it|this|that|the|them|everything|up|down|to|by)\b"
)
_SPLIT_RE = re.compile(
    r"\s*(?:;|\s(?:->|→|=>)\s|\bfollowed by\b|,?\s*\b(?:and then|and after that|after that|afterwards|and also|"
    r"and finally|then)\b|[,.?!]\s*(?:next|finally|also|lastly)\b"
    # a sentence end before a capital (not an abbreviation's dot): "I run a podcast! Can you transcribe this?"
    r"|(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\bmr)(?<!\bdr)(?<!\bst)(?:[.]+\s+(?=[a-z])|[.!?]+\s+(?=(?-i:[A-Z])))"
    # "fade in and fade out" is one step
    rf"|(?<!\bfade in)(?<!\bfade-in),?\s+and\s+(?=(?:please\s+)?(?:{_ACTION_VERBS})\b)"
    rf"|,\s+(?=(?:please\s+)?(?:{_ACTION_VERBS})\b)"
    # "I need 1:00 to 1:20, sped up to 1.1x, …": a clause that opens with what was done to it is a step
    r"|,\s+(?=(?:sped|slowed|pitched|turned|brought|faded|boosted|trimmed|cut|converted)\s+(?:up|down|in|out|to|by)\b)"
    # "make it slower, and louder too": a second change named by its comparative alone
    r"|,?\s+and\s+(?=(?:a\s+)?(?:little\s+|bit\s+|lot\s+|much\s+)?(?:louder|quieter|softer|slower|faster|clearer|"
    r"cleaner)\b)"
    # "I'd like the voice cleaned up, the pauses removed, and the result saved as FLAC": one step per participle
    r"|,\s*(?:and\s+)?(?=(?:the|its|it|everything)\b[^,]{0,40}?\b(?:removed|saved|exported|converted|trimmed|"
    r"faded (?:in|out)|normali[sz]ed|boosted|slowed down|sped up|taken out|cleaned up)\b)"
    # "…, and as an mp3 for my laptop": a format after "and" is the conversion at the end
    rf"|,\s*and\s+(?=as\s+(?:an?\s+)?(?:{extension_pattern('audio')})\b)"
    # "clean it, after cut the start" (after = afterwards, before an order); "denoise + normalise"
    rf"|(?:,\s*|\s+and\s+)after\s+(?=(?:please\s+)?(?:{_ACTION_VERBS}|do\s+it)\b)|\s\+\s(?=(?:{_ACTION_VERBS})\b)"
    # "…, and I need to know what they said"; "trim 5-15s, speed 1.1x, fade out"
    r"|,\s*(?:and|so)\s+(?=(?:i|we)\s+(?:need|want|would like|'d like)\b)|,\s+(?=(?:speed|tempo|pitch)\s+[x×+-]?\d)"
    # "a.wav speed x1.2, b.wav pitch -2": each file with what to do to it
    rf"|,\s+(?=[\w-]+\.[a-z0-9]{{2,4}}\s+(?:{_ACTION_VERBS}|speed|tempo|pitch|gain|volume)\b))"
    r"[,:]?\s*",
    re.IGNORECASE,
)
_NAMES = r"(?:(?:the\s+)?[\w.-]+\.[a-z0-9]{2,4}[\s,]*(?:and\s+)?)+"  # "a.wav, the b.mp3 and c.flac"
_NAMES_ONLY_RE = re.compile(_NAMES, re.IGNORECASE)
_ENDS_IN_NAME_RE = re.compile(r"[\w-]+\.[a-z0-9]{2,4}$", re.IGNORECASE)
# list markers: "1. " "2) " "step 3: " "(1) " "(a) " "a) " "ii) " "i. "; a request is a list when it has two
_NUMBERED_RE = re.compile(
    r"(?:^|(?<=[\s,;:]))(?:(?:step\s*)?\d+\s*[.):]|\(\s*(?:\d+|[a-z]|[ivx]+)\s*\)|(?:[a-z]|[ivx]+)\)"
    r"|(?:i|ii|iii|iv|v|vi|vii|viii)\.)\s+",
    re.IGNORECASE,
)
# what a piece cut before a list marker or a sentence end leaves at its end: "convert it, and (3) …"
_TRAIL_RE = re.compile(r"(?:[\s,;:]+(?:and|then|and then|or)\b)+[\s,;:.]*$", re.IGNORECASE)
# a piece that only gives a length ("About 30 seconds if possible.", "half a second maybe") or only named values
# after a ';' ("crossfade_s=0.25") says more about the step before it; it is no step of its own
_VALUE_ONLY_RE = re.compile(
    r"(?:(?:about|around|roughly|approximately|approx|maybe|perhaps|ideally|preferably|say|like|something like|"
    r"at least|at most|no more than|not more than|under|up to|max(?:imum)?|just|only|exactly|for|lasting)\s+)*"
    rf"(?:{TIME})(?:\s+and\s+a\s+half)?(?:\s*-?\s*ish)?"
    r"(?:[\s,]+(?:long|or so|tops|max|maybe|perhaps|if possible|if you can|ideally|please|pls|or less|or more|"
    r"or shorter|or longer|in total|total|each|would be (?:great|nice|perfect|ideal|good|fine|enough)|"
    r"is (?:fine|enough|plenty|ok|okay|good)|should (?:do|be enough|be fine)|will do|works))*",
    re.IGNORECASE,
)
# a piece that only names the file ("Take a.wav", "File: b.mp4", "test it on c.wav"): "take" leads into the
# step after it, the others say which file the step before works on
_FILE_ONLY_RE = re.compile(
    r"(?:[^:]*:\s*)?(?P<lead>take|grab|use|load|open|with|for|on|files?|input|test(?:\s+it)?(?:\s+(?:with|on))?|"
    rf"try(?:\s+it)?(?:\s+(?:with|on))?)\s*:?\s+(?P<names>{_NAMES}"
    r"|(?:this|that|the|my)\s+(?:recording|file|clip|audio|track|song|sample|one))",
    re.IGNORECASE,
)
_NAMED_ONLY_RE = re.compile(r"(?:[a-z_]\w*\s*=\s*[^\s,;=]+[\s,]*)+", re.IGNORECASE)
_LEAD_RE = re.compile(
    r"^(?:(?:first(?:ly)?|first of all|to start|start by|please|pls|and|also|so|now|ok(?:ay)?|"
    r"hi|hello|hey(?: there)?|can you|could you|would you)\b[\s,:!.]*)+",
    re.IGNORECASE,
)


# Quotes that are syntax, not quoted text: a JSON key ({"speed": 1.2}) and a one-word value given by name
# (language='nl', stems=['drums','bass']); they are read as names and values, never as words to say.
_JSON_KEY_RE = re.compile(r"(?<=[{,])(\s*)[\"']([a-z_]\w*)[\"'](?=\s*:)", re.IGNORECASE)
_NAMED_VALUE_RE = re.compile(r"\b([a-z_]\w*\s*=\s*)(\[[^\]\n]*\]|[\"'][\w.+-]+[\"'])", re.IGNORECASE)
_WORD_IN_QUOTES_RE = re.compile(r"[\"']([\w.+-]+)[\"']")


def _unquote_syntax(text: str) -> str:
    text = _JSON_KEY_RE.sub(r"\1\2", text)
    return _NAMED_VALUE_RE.sub(lambda m: m.group(1) + _WORD_IN_QUOTES_RE.sub(r"\1", m.group(2)), text)


def mask_quotes(text: str) -> tuple[str, list[str]]:
    """Replace every quoted span by a ``\\x00<i>\\x00`` token so rules never look inside quotes."""
    quotes: list[str] = []
    text = _unquote_syntax(text)

    def keep(m: re.Match[str]) -> str:
        quotes.append(next(g for g in m.groups() if g is not None).strip())
        return f"\x00{len(quotes) - 1}\x00"

    return QUOTE_RE.sub(keep, text), quotes


def unmask(text: str, quotes: list[str]) -> str:
    """Put the quoted spans back, in double quotes."""
    return _TOKEN_RE.sub(lambda m: f'"{quotes[int(m.group(1))]}"', text)


# "transcribe it after cleaning up the noise": the step after "after" comes first
_AFTER_RE = re.compile(r"^(?P<then>.+?),?\s+(?:after|once you(?:'ve| have)?|once)\s+(?P<first>\w+ing\b.+)$", re.I)
# "show the spectrogram before and after denoising": the step, the other step, the step again
_BEFORE_AFTER_RE = re.compile(r"^(?P<step>.+?),?\s+before and after\s+(?P<other>.+)$", re.I)
# ", get rid of it": a bare order about what the clause before it described is the same step
_ONLY_PRONOUN_RE = re.compile(
    r"(?:get rid of|remove|delete|drop|lose|cut|trim|fix|clean up|do something about|take care of|"
    r"sort out)\s+(?:it|that|them|this)(?:\s+(?:please|pls|for me))?",
    re.IGNORECASE,
)


# a sentence that asks: a request verb first, a question, "can you", "please", "I need", "should"…
_ASK_RE = re.compile(
    rf"^(?:please\s+|pls\s+|now\s+|just\s+|maybe\s+|also\s+|kindly\s+)?(?:{_ACTION_VERBS})\b|^(?:what|when|where|how|which|why|is|are|does|do|did)\b"
    r"|\b(?:can|could|would|will)\s+(?:you|u|it|we|i)\b|\b(?:please|pls|plz|kindly)\b|\bhelp\b|\blet'?s\b"
    r"|\b(?:i|we)(?:'d|\s+would)?\s+(?:really\s+)?(?:like|love|want|need|wish|prefer)\b|\bwhat (?:i|we) (?:need|want)\b"
    r"|\b(?:should|must|has to|have to|needs? to|ought to)\b"
    r"|\bwould be (?:perfect|great|nice|ideal|good|amazing|awesome)\b",
    re.IGNORECASE,
)
# a sentence that tells: it opens with its subject ("The recording is too fast for her", "We publish tomorrow")
_STATEMENT_RE = re.compile(
    r"^(?:so\s+|and\s+|but\s+|also\s+|honestly\s+|basically\s+)?(?:i|i'm|im|i've|i'd|we|we're|we've|my|our|it|it's|its|"
    r"this|that|these|those|the|she|he|they|they're|there|there's|his|her|their|you|your)\b",
    re.IGNORECASE,
)


def asks(piece: str) -> bool:
    """Whether a step's text is worded as a request (an order, a question, "can you…", "I need…")."""
    masked, quotes = mask_quotes(piece.strip())
    return bool(quotes) or bool(_ASK_RE.search(masked))


# a clause that sets a task aside before the ask: "no emotion analysis needed, just list the sounds", "I know you
# can't clone voices. Any voice is fine: …", "I don't need to know who's talking — just transcribe it"
_CLAUSE = r"(?:(?!\s-\s)[^,.;:!?—–])+"  # up to the clause's end (a dash between spaces ends it too)
_DISMISSAL_RE = re.compile(
    r"^(?:(?:ok(?:ay)?|so|look|honestly)[,\s]+)?(?:"
    rf"(?:i|we)\s+(?:know|understand|reali[sz]e|get(?:\s+it)?)\s+(?:that\s+)?(?:you|it)\s+(?:can'?t|cannot|can\s+not|"
    rf"don'?t|won'?t)\s+{_CLAUSE}"
    rf"|(?:i|we)\s+(?:don'?t|do\s+not|dont)\s+(?:need|care\s+about)\s+(?:to|a|an|the)\s+{_CLAUSE}"
    rf"|(?:there'?s\s+)?no\s+need\s+(?:for|to)\s+{_CLAUSE}"
    r"|no\s+[\w\s'-]{1,40}?\s+(?:needed|necessary|required)"
    rf"|(?:forget\s+(?:about\s+)?|never\s*mind\s+){_CLAUSE}"
    r")\s*(?:[,.;:!?—–-]+\s*|\s+(?=just\b|only\b))",
    re.IGNORECASE,
)


def without_dismissal(piece: str) -> str:
    """The piece without a clause that sets a task aside before the ask ("no emotion analysis needed, just
    list the sounds" → "just list the sounds"); "" when the piece is only such a clause ("I know you can't
    clone voices")."""
    masked, quotes = mask_quotes(piece.strip())
    match = _DISMISSAL_RE.match(masked.rstrip(" .!") + ".")
    if match is None:
        return piece
    return unmask(masked[match.end() :], quotes).strip(" ,.;:!?—–-")


def is_statement(piece: str) -> bool:
    """A sentence that only tells something ("She gets frustrated otherwise"): it opens with its subject,
    has four words or more, and neither asks nor quotes. In a message that also asks, it is context."""
    masked = mask_quotes(piece.strip())[0]
    return len(masked.split()) >= 4 and bool(_STATEMENT_RE.match(masked)) and not asks(piece)


def split_steps(text: str) -> list[str]:
    """Split a request into at most MAX_STEPS steps on "then", ";", "after that", numbered steps…

    Text inside quotes is never split.
    """
    masked, quotes = mask_quotes(text.strip())
    steps = [unmask(piece, quotes) for piece in _split_masked(masked)]
    return steps[:MAX_STEPS] or [text.strip()]


def _split_masked(masked: str) -> list[str]:
    parts = _NUMBERED_RE.split(masked) if len(_NUMBERED_RE.findall(masked)) >= 2 else [masked]
    pieces: list[str] = []
    lead = ""  # "Take a.wav" before the step it leads into
    for part in parts:
        for piece in _SPLIT_RE.split(part):
            piece = _TRAIL_RE.sub("", _LEAD_RE.sub("", piece.strip())).strip(" \t\n,.;:!?")
            if piece and (m := _FILE_ONLY_RE.fullmatch(piece)):
                if pieces and m.group("lead").lower() not in ("take", "grab", "use", "load", "open"):
                    # the file is the input of the first step that is no mere statement, so the steps after
                    # it still work on its output
                    at = next((i for i, p in enumerate(pieces) if not is_statement(p)), len(pieces) - 1)
                    pieces[at] = f"{pieces[at]}, {m.group('names')}"
                else:
                    lead = f"{lead}{piece}, "
                continue
            if piece and lead:
                piece, lead = lead + piece, ""
            if pieces and _NAMES_ONLY_RE.fullmatch(pieces[-1]):  # "a.wav then b.wav as one file"
                piece = f"{pieces.pop()} then {piece}"
            elif pieces and _NAMES_ONLY_RE.fullmatch(piece) and _ENDS_IN_NAME_RE.search(pieces[-1]):
                piece = f"{pieces.pop()} then {piece}"  # "join these: a.wav then b.wav"
            elif pieces and (
                _ONLY_PRONOUN_RE.fullmatch(piece) or _VALUE_ONLY_RE.fullmatch(piece) or _NAMED_ONLY_RE.fullmatch(piece)
            ):
                piece = f"{pieces.pop()}, {piece}"
            if not piece:
                continue
            if m := _BEFORE_AFTER_RE.match(piece):
                pieces += [m.group("step"), m.group("other"), m.group("step")]
            elif m := _AFTER_RE.match(piece):
                pieces += [m.group("first"), m.group("then")]
            else:
                pieces.append(piece)
    if lead:  # nothing came after it
        pieces.append(lead.rstrip(", "))
    return pieces


# words that point at text an earlier step or turn produced: "read the transcript aloud", "say that"
REFERS_BACK = re.compile(
    r"(?:it|that|this|them|what (?:he|she|they|it|was) (?:said|says)|(?:the|that|this) (?:transcript|transcription|"
    r"translation|text|result|words))(?:\s+back)?",
    re.IGNORECASE,
)
_SAME_RE = re.compile(
    r"^\W*(?:(?:now|ok(?:ay)?|and|please|then|so|great)\W+)*(?:do|apply|run|try|repeat)\s+(?:the\s+|that\s+|it\s+)?"
    r"(?:same|again)(?:\s+thing)?(?:\s+again)?\s+(?:to|on|for|with)\s+(?P<target>.+?)\W*$",
    re.IGNORECASE,
)
_FILE_NAME_RE = re.compile(
    rf"\b(?:audio|video|image)/[0-9a-f]{{8}}\.\w+\b|\b[\w-]+\.(?:{extension_pattern('audio', 'video')})\b"
    r"|\b(?:this|that|the|my)\s+(?:file|recording|clip|audio|track)\b",
    re.IGNORECASE,
)


def same_again(request: str, earlier: list[str], plans: Callable[[str], bool]) -> str:
    """ "now do the same to the first file" → the latest earlier request that ``plans`` a tool call,
    with its file named as the new target ("remove the noise from the first file")."""
    m = _SAME_RE.match(request)
    if not m:
        return request
    target = m.group("target")
    for previous in reversed(earlier):
        if plans(previous):
            replaced, count = _FILE_NAME_RE.subn(target, previous)
            return replaced if count else f"{previous} ({target})"
    return request


# ---- arguments ----------------------------------------------------------------------------------
_NUM = r"(\d+|" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + r")"
_TOP_K_RES = (
    re.compile(rf"\btop[\s-]*{_NUM}\b", re.IGNORECASE),
    re.compile(
        rf"\b{_NUM}\s+(?:most\s+\w+\s+|main\s+|top\s+|loudest\s+|likely\s+|different\s+)?"
        r"(?:sounds?|labels?|tags?|classes|categories|events?|things|results?|guesses)\b",
        re.IGNORECASE,
    ),
)


def top_k(text: str) -> int | None:
    """ "top 3 sounds", "five labels" → the number."""
    for rx in _TOP_K_RES:
        m = rx.search(text)
        if m:
            word = m.group(1).lower()
            return int(word) if word.isdigit() else COUNT_WORDS[word]
    return None


_THRESHOLD_RES = (
    re.compile(r"threshold\s*(?:of|=|:|to|at|is)?\s*(\d*\.?\d+)\s*(%)?", re.IGNORECASE),
    re.compile(r"(\d*\.?\d+)\s*(%)?\s*(?:threshold|confidence|probability)", re.IGNORECASE),
)


def threshold(text: str) -> float | None:
    """ "threshold 0.3", "with a 30% threshold" → 0.3."""
    for rx in _THRESHOLD_RES:
        m = rx.search(text)
        if m:
            value = float(m.group(1))
            return value / 100 if m.group(2) or value > 1 else value
    if re.search(r"\b(?:very sensitive|sensitive|lenient)\b", text, re.IGNORECASE):
        return 0.3
    if re.search(r"\b(?:strict|conservative)\b", text, re.IGNORECASE):
        return 0.7
    return None


_SPEED_NUM_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(?:x|×|times)?\s*(?:the\s+)?(?:speed|pace|rate)\b|(\d+(?:\.\d+)?)\s*(?:x|×|times)\b"
    r"|\bspeed\s*(?:of|to|at|=|:)?\s*(\d+(?:\.\d+)?)|(\d+)\s*%\s*speed",
    re.IGNORECASE,
)
_SLOW_RE = re.compile(r"\b(?:slowly|slower|slow)\b", re.IGNORECASE)
_FAST_RE = re.compile(r"\b(?:quickly|fast|faster|rapidly|speedily)\b", re.IGNORECASE)


def speed(masked_text: str) -> float | None:
    """Speaking rate from "slowly" (0.8), "fast" (1.3) or "at 1.5x speed" (quotes masked)."""
    m = _SPEED_NUM_RE.search(masked_text)
    if m:
        if m.group(4):
            return float(m.group(4)) / 100
        return float(m.group(1) or m.group(2) or m.group(3))
    if _SLOW_RE.search(masked_text):
        return 0.8
    if _FAST_RE.search(masked_text):
        return 1.3
    return None


_LANG = LANGUAGE_NAME
_LANGUAGE_RES = (
    re.compile(rf"\b(?:in|from)\s+{_LANG}\b", re.IGNORECASE),
    re.compile(
        rf"\b{_LANG}\s+(?:audio|speech|recording|clip|file|speaker|interview|voice|podcast|"
        r"conversation|message|lecture|voicemail|memo|song|news)",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:language\s*(?:is|:|=)?|speaks?|speaking|spoken in)\s+{_LANG}\b", re.IGNORECASE),
    # "transcribe the Russian", "write down the Arabic words", "it's English", "is english but with accent"
    re.compile(
        rf"\bthe\s+{_LANG}(?:\s+(?:words|text|dialogue|part|bits))?\b(?!\s+(?:translation|version|subtitles?))",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:it'?s|it\s+is|is|was)\s+(?:all\s+|mostly\s+)?{_LANG}\b", re.IGNORECASE),
)
# a language given as its code: "language en", "language hint 'es'", "lang=de"
_CODE_RE = re.compile(
    r"\blang(?:uage)?(?:\s+(?:hint|code))?\s*(?P<mark>[=:]?\s*[\"'“]?)(?P<code>[a-z]{2})\b", re.IGNORECASE
)
_CODE_WORDS = ("it", "no", "he", "id", "hi")  # codes that are English words: "what language it is" names none


def language(text: str) -> str | None:
    """ISO 639-1 code of a language the request clearly names ("in French" → "fr") or gives as its code
    ("language hint 'es'"); the text may hold quotes (a code is read in them), the names are read outside them."""
    masked = mask_quotes(text)[0]
    for rx in _LANGUAGE_RES:
        m = rx.search(masked)
        if m:
            return LANGUAGES[m.group(1).lower()]
    for m in _CODE_RE.finditer(text):
        code = m.group("code").lower()
        if code in LANGUAGES.values() and (m.group("mark").strip() or code not in _CODE_WORDS):
            return code
    return None


_SPEAK_RE = re.compile(
    r"\b(?:say|says|saying|speak|speaking|read\s+(?:out|aloud)|read|pronounce|utter|announce|narrate|"
    r"voice|whisper|shout|yell|tts|text[- ]to[- ]speech)\b(?:\s+(?:out loud|aloud|out))?\s*:?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CONVERT_RE = re.compile(r"\b(?:convert|turn)\s+(.+?)\s+(?:to|into)\s+(?:speech|audio|voice)\b", re.IGNORECASE)
_TEXT_LEAD_RE = re.compile(
    r"^(?:(?:the following|following|this|the|my|a)\s+(?:sentence|text|words?|phrase|line|message|note)\b"
    r"|the following\b)\s*[:,]?\s*",
    re.IGNORECASE,
)
_MANNER_RE = re.compile(
    r"[\s,]*(?:in (?:an? )?[\w\s-]{0,30}?\b(?:voice|tone|accent|way|manner)|with an? [\w\s-]{0,30}?\b"
    r"(?:voice|tone|accent)|as an? (?:old |young )?(?:woman|lady|girl|man|guy|boy|child|kid)|"
    r"sound(?:ing)? (?:very |really )?[a-z]+|whispering|(?:calm|angri|happi|sad|cheerful|excited|soft|gent|"
    r"nervous|stern|warm)ly|very|really|slowly|quickly|fast|faster|slower|out loud|aloud|please|for me|"
    r"to me|at (?:a )?(?:normal|slow|fast|high|low|quick) (?:speed|pace|rate)|at \d+(?:\.\d+)?\s*(?:x|×|times)"
    r"(?: (?:the )?speed)?|at \d+ ?% speed)[\s.!?]*$",
    re.IGNORECASE,
)


def speech_text(step: str) -> str | None:
    """The words to speak: the quoted text, else the words after say/speak/read out/pronounce."""
    masked, quotes = mask_quotes(step)
    if quotes:
        return quotes[0]
    colon = masked.find(":")
    m = _CONVERT_RE.search(masked)
    if m:
        text = m.group(1)
    elif colon >= 0 and masked[colon + 1 :].strip():
        text = masked[colon + 1 :]
    else:
        m = _SPEAK_RE.search(masked)
        if not m:
            return None
        text = m.group(1)
    text = _TEXT_LEAD_RE.sub("", text.strip(), count=1)
    previous = None
    while previous != text:
        previous, text = text, _MANNER_RE.sub("", text)
    text = text.strip(" \t\n,;:")
    return None if text.lower() in ("", "something", "this text", "it out") or REFERS_BACK.fullmatch(text) else text


# The readers of the slot kinds tools declare (audiogpt.tools.base.SLOTS): (step text, quotes masked) → value.
SLOT_READERS: dict[str, Callable[[str, str], Any]] = {
    "words_to_speak": lambda text, masked: speech_text(text),
    "speaking_rate": lambda text, masked: speed(masked),
    "language": lambda text, masked: language(text),
    "probability": lambda text, masked: threshold(masked),
    "count": lambda text, masked: top_k(masked),
}
