"""Hand-computed checks of the evaluation metrics."""

from __future__ import annotations

import numpy as np
import pytest

from audiogpt.metrics import normalize_text, si_sdr, wer


def test_normalize_text() -> None:
    assert normalize_text("Hello,  World! It's 3.5 o'clock.") == "hello world its 3.5 oclock"
    assert normalize_text("  Well-known\tFACTS; 1,000 cats. ") == "well known facts 1,000 cats"
    assert normalize_text("...") == ""


def test_wer_known_strings() -> None:
    assert wer("the cat sat on the mat", "the cat sat on the mat") == 0.0
    # one substitution (sat→sit) in 6 words
    assert wer("the cat sat on the mat", "the cat sit on the mat") == pytest.approx(1 / 6)
    # one deletion (the) and one insertion (big) in 6 words
    assert wer("the cat sat on the mat", "cat sat on the big mat") == pytest.approx(2 / 6)
    # casing and punctuation do not count
    assert wer("Hello, world.", "hello world") == 0.0
    # unless normalization is turned off
    assert wer("Hello, world.", "hello world", normalize=False) == 1.0
    # an empty hypothesis deletes every word; extra words can push WER above 1
    assert wer("a b c", "") == 1.0
    assert wer("a", "x y z") == 3.0


def test_wer_empty_reference_is_refused() -> None:
    with pytest.raises(ValueError):
        wer("", "anything")


def test_si_sdr_scaling_is_very_high() -> None:
    rng = np.random.default_rng(0)
    ref = rng.standard_normal(16000)
    assert si_sdr(ref, 0.3 * ref) > 100
    assert si_sdr(ref, 0.3 * ref + 0.5) > 100  # an offset is removed (zero-mean)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
def test_si_sdr_of_added_noise_matches_snr(snr_db: float) -> None:
    rng = np.random.default_rng(1)
    ref = rng.standard_normal(160000)
    noise = rng.standard_normal(160000)
    # Orthogonalize the noise to the reference so the expected value is exact.
    noise -= np.dot(noise, ref) / np.dot(ref, ref) * ref
    noise *= np.sqrt(np.sum(ref**2) / np.sum(noise**2) / 10 ** (snr_db / 10))
    assert si_sdr(ref, ref + noise) == pytest.approx(snr_db, abs=0.05)


def test_si_sdr_length_mismatch_is_refused() -> None:
    with pytest.raises(ValueError):
        si_sdr(np.zeros(10), np.zeros(11))
