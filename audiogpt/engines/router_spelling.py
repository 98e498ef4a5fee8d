"""Misspelled words in a request put back before the offline router reads it ("denosie" → "denoise").

Every rule of the router — keyword cues, step splitting, the example classifier, the argument readers —
reads words; one typo ("fatser", "betwen", "revrese") and a clear request routes elsewhere or loses
its arguments. :func:`correct` replaces a word no vocabulary knows by the word of the routing examples
it most likely meant, before anything else reads the request:

- **Known words** are never changed: the whole words of the embedder's WordPiece vocabulary (~22,000
  ordinary English words; past ``RARE_ID`` only rare ones), the catalog's words (tool and field
  descriptions, choices), the keyword cues' words and stems, and the routing examples' words.
- **An unknown word** (letters only, four or more) becomes the example word one edit away
  (Damerau–Levenshtein: a swap of neighbours is one edit), or two for words of seven letters or more
  when the first letter is kept and the word meant is one the examples teach ("normlise"). Of several,
  the fewest edits, then a word the examples use often, the likeliest slip (``distance(weighted=True)``:
  a vowel for a vowel, a neighbouring key, a swap, a doubled letter), the same first letter, the word
  used most; a tie leaves the word as typed.
- **Real words no vocabulary here holds** are many ("whine", "lute", "croak", "sender", "tabletop"), so
  the edit must look like a slip: to an ordinary word only a swap, a missing or doubled letter, or a
  neighbouring key or a letter of the same sound ("noice", "ecko"), never another vowel; a word made of
  known words (an ending, a prefix, two words: "sender", "redoing", "headshot") only a swap, a missing
  or doubled letter ("begining", "backround").
- **A rare vocabulary word** that is a word the examples use often cut short is read as that word
  ("writ out" → "write out"); **the examples' own typos** (written once or twice to teach the router
  one: "trnascribe", "slwo") read as the word one slip away the examples use several times as often.
- **Never touched**: quoted text (words to speak are said as written), file names and paths, URLs,
  numbers and units ("1.5x", "44.1k", "-14"), code-like tokens (``snake_case``, ``key=value``,
  ``camelCase``), hyphenated words, acronyms (``LUFS``) and capitalized words inside a sentence (names).

The vocabulary is built once per process on the first word the tokenizer does not know (~5 ms); a
request whose words are all ordinary costs one tokenizer lookup per word. Measured on the team's request
sets (dev, C–G: 1,867 requests), 101 requests change, all of them typos but "minuet" and "videographer".
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import typing
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from audiogpt.engines import edit_distance as ed
from audiogpt.engines import minilm
from audiogpt.engines.router_args import QUOTE_RE

log = logging.getLogger(__name__)

MIN_LENGTH = 4  # shorter words have too many neighbours one edit away ("cut", "mix", "say")
LONG = 7  # words this long may be two edits away from what was meant
RARE_ID = 20000  # WordPiece ids past this are rare words ("writ", "tis"); below, common English
OFTEN = 5  # uses in the examples that make a word a likely meaning of a known word typed wrong
TYPO_RATIO = 8  # how much more often than an example word a word one slip away is used, for it to be a typo

_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_CHUNK_RE = re.compile(r"\S+")
# a chunk that is data, not prose: digits, paths, names with an extension, URLs, addresses, code,
# and hyphenated words (compounds, model names: "ping-pong", "so-vits-svc")
_DATA_CHUNK_RE = re.compile(r"[\d_=/\\@<>{}\[\]|~`#$%^*+\x00]|[A-Za-z]\.[A-Za-z]|://|\w-\w")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;\n]\s*|[\"'“‘(]\s*)$")
_CUE_ESCAPES_RE = re.compile(r"\\[A-Za-z]")
_SUFFIXES = (
    "s", "es", "ed", "d", "ing", "er", "ers", "r", "or", "y", "ly", "ish", "ness", "ment", "able", "al", "ful", "less",
    "ist", "ism", "ize", "ise", "ized", "ised", "ization", "isation", "ion", "ions",
)  # fmt: skip
_PREFIXES = ("re", "un", "de", "pre", "over", "under", "out", "mis", "non", "sub", "super", "multi", "co", "auto")


@dataclass(frozen=True)
class Vocabulary:
    """The words the router knows: ``counts`` (word → uses in the routing examples and catalog) are
    what an unknown word may become; ``known`` (contractions typed without their apostrophe: "dont")
    and ``cue_words`` (the keyword cues' words and stems: "lufs", "denois") are never corrected."""

    counts: dict[str, int]
    known: frozenset[str]
    cue_words: frozenset[str]
    letters: dict[str, int]  # word → the set of its letters as bits, to find near words fast


_VOCABULARY: list[Vocabulary] = []
_LOCK = threading.Lock()


def _words(text: str) -> Iterable[str]:
    return (w.lower() for w in _WORD_RE.findall(text) if w.isalpha())


def _catalog_texts() -> Iterable[str]:
    """The catalog's words: tool names and descriptions, field names, descriptions and choices."""
    from audiogpt.tools import CATALOG

    for name, tool in CATALOG.items():
        yield name.replace("_", " ")
        yield tool.description
        for field, info in tool.input_model.model_fields.items():
            yield field.replace("_", " ")
            yield info.description or ""
            yield " ".join(str(a) for a in _choices(info.annotation))


def _choices(annotation: object) -> list[object]:
    """The values of every ``Literal`` inside a field's type (``Literal["wav", "mp3"] | None``)."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [c for arg in typing.get_args(annotation) for c in _choices(arg)]


def build_vocabulary() -> Vocabulary:
    """The vocabulary from the routing examples, the catalog and the keyword cues (as they are now)."""
    from audiogpt.engines import router_knowledge

    examples = "\n".join(t for texts in router_knowledge.example_groups().values() for t in texts)
    words = _WORD_RE.findall(examples)
    counts = Counter(w.lower() for w in words if w.isalpha())
    counts.update(w for text in _catalog_texts() for w in _words(text))
    # "dont", "couldnt": a contraction the examples write with its apostrophe is a word without it
    contractions = {w.lower().replace("'", "") for w in words if "'" in w}
    patterns = " ".join(str(row["pattern"]) for row in router_knowledge.cue_rows())
    cue_words = {w.lower() for w in re.findall(r"[A-Za-z]+", _CUE_ESCAPES_RE.sub(" ", patterns))}
    return Vocabulary(dict(counts), frozenset(contractions), frozenset(cue_words), {w: ed.letters(w) for w in counts})


def vocabulary() -> Vocabulary:
    """The vocabulary, built on first use and kept for the process."""
    if not _VOCABULARY:
        built = build_vocabulary()  # outside the lock: reading the catalog may import tool modules
        with _LOCK:
            if not _VOCABULARY:
                _VOCABULARY.append(built)
    return _VOCABULARY[0]


def _wordpiece_id(word: str) -> int | None:
    """The word's id in the embedder's WordPiece vocabulary (lower-case whole words), or None."""
    return minilm.embedder().tokenizer.token_to_id(word)


def _derived(word: str, knows: typing.Callable[[str], bool]) -> bool:
    """Whether the word is made of known words: one with a common ending ("loudness", "normalized",
    "creaky"), a common prefix ("redoing"), or two joined ("tabletop", "headshot")."""
    for suffix in _SUFFIXES:
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < 3:
            continue
        if knows(stem) or knows(stem + "e") or (len(stem) > 3 and stem[-1] == stem[-2] and knows(stem[:-1])):
            return True
        if stem.endswith("i") and knows(stem[:-1] + "y"):  # "noisier", "happily"
            return True
    if any(word.startswith(p) and len(word) - len(p) >= 4 and knows(word[len(p) :]) for p in _PREFIXES):
        return True
    return any(knows(word[:i]) and knows(word[i:]) for i in range(3, len(word) - 2))


def _candidates(word: str, vocab: Vocabulary, limit: int) -> list[str]:
    """The example words at most ``limit`` edits from ``word`` (~1 ms for ~2,000 words).

    An edit adds or removes at most two letters from the set of letters a word uses, so the sets of
    words ``limit`` edits apart differ in at most ``2 * limit`` letters: a cheap test that leaves
    the exact distance to a few dozen words."""
    bits, n = ed.letters(word), len(word)
    return [
        w
        for w, other in vocab.letters.items()
        if abs(len(w) - n) <= limit and (bits ^ other).bit_count() <= 2 * limit and ed.distance(word, w, limit) <= limit
    ]


def _meant(word: str, vocab: Vocabulary, limit: int) -> str | None:
    """The example word an unknown word most likely means, or None when none or two are as likely:
    the fewest edits, a word used often, the likeliest slips, the same first letter, then the word the
    examples use most."""

    def rank(w: str) -> tuple[float, bool, float, bool, int]:
        # a rare word the examples use once or twice ("revrb" beside "reverb") is likelier a typo itself
        rare = vocab.counts[w] < OFTEN and _wordpiece_id(w) is None
        return ed.distance(word, w, 2), rare, ed.distance(word, w, 2, weighted=True), w[0] != word[0], -vocab.counts[w]

    ranked = sorted((w for w in _candidates(word, vocab, limit) if w != word), key=rank)
    if not ranked or (len(ranked) > 1 and rank(ranked[0]) == rank(ranked[1])):
        return None
    return ranked[0]


@functools.lru_cache(maxsize=4096)
def correction(word: str) -> str | None:
    """What a lower-case word should read as, or None to keep it."""
    if len(word) < MIN_LENGTH or not word.isalpha():
        return None
    wordpiece = _wordpiece_id(word)
    if wordpiece is not None and wordpiece < RARE_ID:
        return None
    vocab = vocabulary()
    if word in vocab.known:
        return None
    meant = _reading(word, wordpiece, vocab)
    return (correction(meant) or meant) if meant else None  # never an example's own typo ("descibe")


def _reading(word: str, wordpiece: int | None, vocab: Vocabulary) -> str | None:
    """The example word a word not in the common vocabulary stands for, or None."""

    def knows(w: str) -> bool:
        return w in vocab.counts or w in vocab.cue_words or _wordpiece_id(w) is not None

    if wordpiece is not None:  # a rare word: read as a word the examples use often only if cut short ("writ")
        meant = _meant(word, vocab, 1)
        return meant if meant and meant[:-1] == word and vocab.counts[meant] >= OFTEN else None
    if word in vocab.counts:
        # a word of the examples no vocabulary knows: jargon ("lufs", "denoise") the examples use again
        # and again, or a typo written once to show one ("trnascribe"), one slip from a word used far more
        if _derived(word, lambda w: _wordpiece_id(w) is not None):
            return None
        meant = _meant(word, vocab, 1)
        if meant is None or vocab.counts[meant] < max(OFTEN, 3 * vocab.counts[word]):
            return None
        likely = ed.slip(word, meant) != "other"  # "slwo", "denoize", "speek" — not "gist" for "list"
        return meant if likely or vocab.counts[meant] >= TYPO_RATIO * vocab.counts[word] else None
    if word in vocab.cue_words:  # a word or stem a keyword cue looks for ("lufs", "mins", "denois")
        return None
    meant = _meant(word, vocab, 2 if len(word) >= LONG else 1)
    if meant is None:
        return None
    if ed.distance(word, meant, 1) > 1:  # two edits: only to a word the examples teach, first letter kept
        plain = _wordpiece_id(meant) is not None or _derived(word, knows)
        return None if plain or meant[0] != word[0] or ed.distance(word, meant, 2, True) > 1.5 else meant
    slip = ed.slip(word, meant)
    if _derived(word, knows):  # made of known words ("sender", "back|round"): "begining", "backround"
        if meant.startswith(word):  # "timestamp" is no "timestamps" cut short
            return None
        return meant if slip in ("doubled", "swap", "missing") else None
    if _wordpiece_id(meant) is not None:
        # an ordinary word: many rare words are one vowel or letter from one ("lute", "meme", "whine")
        return meant if slip in ("swap", "missing", "doubled", "key") else None
    return None if slip == "vowel" else meant  # a word the examples teach ("croak" is no "creak")


def _cased(meant: str, typed: str) -> str:
    return meant.capitalize() if typed[0].isupper() else meant


def _correct_prose(text: str, start: str) -> str:
    """``text`` (no quotes in it) with its misspelled words corrected; ``start`` is what precedes it."""

    def chunk(m: re.Match[str]) -> str:
        piece = m.group(0)
        if _DATA_CHUNK_RE.search(piece):
            return piece
        opens = bool(_SENTENCE_START_RE.search(start + text[: m.start()]))

        def word(w: re.Match[str]) -> str:
            typed = w.group(0)
            if any(c.isupper() for c in typed[1:]):
                return typed  # an acronym, or camelCase: a name or code
            if typed[0].isupper() and not (opens and w.start() == 0):
                return typed  # a capitalized word inside a sentence: a name
            meant = correction(typed.lower())
            return _cased(meant, typed) if meant else typed

        return _WORD_RE.sub(word, piece)

    return _CHUNK_RE.sub(chunk, text)


@functools.lru_cache(maxsize=256)
def correct(text: str) -> str:
    """The request with its misspelled words corrected; quoted text, names, numbers and code kept."""
    out: list[str] = []
    end = 0
    for m in QUOTE_RE.finditer(text):
        out.append(_correct_prose(text[end : m.start()], "".join(out)[-2:]))
        out.append(m.group(0))
        end = m.end()
    out.append(_correct_prose(text[end:], "".join(out)[-2:]))
    fixed = "".join(out)
    if fixed != text:
        log.debug("request read as %r (typed %r)", fixed, text)
    return fixed
