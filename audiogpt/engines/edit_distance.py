"""Edit distances between a typed word and the word meant, for the router's spelling correction.

Plain Python over short lower-case ASCII words: the Damerau–Levenshtein distance (optimal string
alignment) with an early stop, optionally weighted so the slips typing makes most count less, what kind
one edit is, and a word's letter set as bits for a fast pre-filter.
"""

from __future__ import annotations

VOWELS = frozenset("aeiouy")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYS = {c: (row, col + row / 2) for row, keys in enumerate(_ROWS) for col, c in enumerate(keys)}
_SOUNDS = ("ckq", "sz", "cs", "fv", "gj")  # letters that spell the same sound in English


def alike(a: str, b: str) -> bool:
    """Letters one is easily typed or heard for the other: two vowels, or neighbouring keys."""
    if a in VOWELS and b in VOWELS:
        return True
    if a in VOWELS or b in VOWELS:
        return False
    (ra, xa), (rb, xb) = _KEYS.get(a, (9, 0.0)), _KEYS.get(b, (-9, 0.0))
    return (ra == rb and abs(xa - xb) == 1) or (abs(ra - rb) == 1 and abs(xa - xb) <= 0.5)


def distance(a: str, b: str, limit: float, weighted: bool = False) -> float:
    """The Damerau–Levenshtein distance (optimal string alignment: a swap of neighbours is one edit),
    or ``limit + 1`` as soon as it must exceed ``limit``.

    ``weighted`` counts the edits typing slips make most (a vowel for a vowel, a neighbouring key, a
    swap, a doubled letter typed once or twice) as 0.5, to rank words at the same distance.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    slip = 0.5 if weighted else 1.0
    before: list[float] = []
    prev: list[float] = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        row = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            x, y = a[i - 1], b[j - 1]
            sub = 0.0 if x == y else slip if alike(x, y) else 1.0
            # a letter typed twice or once where the other word has it once or twice ("realy", "betweeen")
            drop = slip if i > 1 and a[i - 2] == x else 1.0
            add = slip if j > 1 and b[j - 2] == y else 1.0
            row[j] = min(prev[j] + drop, row[j - 1] + add, prev[j - 1] + sub)
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                row[j] = min(row[j], before[j - 2] + slip)
        if min(row) > limit:
            return limit + 1
        before, prev = prev, row
    return prev[-1]


def slip(typed: str, meant: str) -> str:
    """What one edit turns ``meant`` into ``typed``: "swap", "missing", "doubled" (a letter typed twice or
    once where the word has it once or twice), "key" (a neighbouring key, or a letter spelling the same
    sound: "noice", "normalise", "ecko"), "vowel" (another vowel), or "other"."""
    i = next((k for k, (x, y) in enumerate(zip(typed, meant, strict=False)) if x != y), min(len(typed), len(meant)))
    if len(typed) == len(meant):
        x, y = typed[i], meant[i]
        if typed[i + 1 :] != meant[i + 1 :]:
            return "swap"
        if x in VOWELS and y in VOWELS:
            return "vowel"
        digraph = {x, y} == {"k", "h"} and i > 0 and typed[i - 1] == "c"  # "ck" for "ch"
        return "key" if alike(x, y) or any({x, y} <= set(g) for g in _SOUNDS) or digraph else "other"
    longer = typed if len(typed) > len(meant) else meant
    if longer[i] == longer[i - 1 : i][:1] or longer[i] == longer[i + 1 : i + 2][:1]:
        return "doubled"
    return "missing" if len(typed) < len(meant) else "other"


def letters(word: str) -> int:
    """The set of the word's letters as bits (a = 1, b = 2, c = 4 …)."""
    bits = 0
    for c in word:
        bits |= 1 << (ord(c) - 97)
    return bits
