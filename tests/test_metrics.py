"""Hand-computed checks of the evaluation metrics."""

from __future__ import annotations

import numpy as np
import pytest

from audiogpt.metrics import (
    MAX_RATIO_DB,
    align,
    dominant_frequency,
    loudness_lufs,
    merge_intervals,
    multiset_overlap,
    multiset_prf,
    normalize_text,
    prf,
    segment_f1,
    si_sdr,
    snr_db,
    time_f1,
    top_k_hit,
    wer,
)
from tests.conftest import tone


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
    assert si_sdr(ref, ref) == pytest.approx(MAX_RATIO_DB, abs=1.0)  # finite: float rounding is the floor
    assert si_sdr(ref, -2 * ref) == pytest.approx(MAX_RATIO_DB, abs=1.0)  # a sign flip is a scaling too
    assert si_sdr(ref, rng.standard_normal(16000)) < -20  # unrelated noise: almost nothing of the reference


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


def test_snr_of_known_noise() -> None:
    ref = np.ones(1000)
    assert snr_db(ref, ref + 0.1) == pytest.approx(20.0)  # error energy 1 % of the signal's
    assert snr_db(ref, 0.5 * ref) == pytest.approx(10 * np.log10(1 / 0.25))  # unlike SI-SDR, level counts
    assert snr_db(ref, ref) == pytest.approx(MAX_RATIO_DB)
    with pytest.raises(ValueError):
        snr_db(np.zeros(3), np.zeros(4))


def test_align_finds_a_delay_and_trims_to_the_common_part() -> None:
    rng = np.random.default_rng(2)
    ref = rng.standard_normal(4000)
    late = np.concatenate([np.zeros(37), ref, np.zeros(10)])  # 37 samples of latency, 10 of padding
    a, b = align(ref, late, max_lag=100)
    assert a.size == b.size == 4000 and np.allclose(a, b)
    early = ref[25:]
    a, b = align(ref, early, max_lag=100)
    assert a.size == b.size == 3975 and np.allclose(a, b)
    assert si_sdr(*align(ref, late, max_lag=100)) > 100


# ---- tool selection --------------------------------------------------------------------------
def test_multiset_prf_counts_duplicates() -> None:
    # gold uses trim twice; one trim predicted: 2 of 2 predictions right, 2 of 3 gold found
    gold = ["trim_audio", "trim_audio", "change_speed"]
    assert multiset_overlap(gold, ["trim_audio", "change_speed"]) == 2
    p, r, f = multiset_prf(gold, ["trim_audio", "change_speed"])
    assert (p, r) == (1.0, pytest.approx(2 / 3)) and f == pytest.approx(0.8)
    # a duplicated prediction beyond the gold's count is a false positive
    p, r, f = multiset_prf(["mix_audio"], ["mix_audio", "mix_audio"])
    assert (p, r, f) == (0.5, 1.0, pytest.approx(2 / 3))
    # order does not matter for the multiset
    assert multiset_prf(["a", "b"], ["b", "a"]) == (1.0, 1.0, 1.0)
    assert multiset_prf(["a"], ["b"]) == (0.0, 0.0, 0.0)


def test_prf_edge_cases() -> None:
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)  # nothing to find, nothing predicted: a correct abstention
    assert prf(0, 2, 0) == (0.0, 0.0, 0.0)  # calls where none were wanted
    assert prf(0, 0, 3) == (0.0, 0.0, 0.0)  # no call where three were wanted
    assert prf(3, 4, 6) == (0.75, 0.5, pytest.approx(0.6))


def test_top_k_hit() -> None:
    ranked = ["Speech", "Animal", "Dog", "Bark"]
    assert not top_k_hit(ranked, {"Dog", "Bark"}, 2)
    assert top_k_hit(ranked, {"Dog", "Bark"}, 3)
    assert top_k_hit(ranked, {"speech"}, 1)  # case-insensitive
    assert not top_k_hit([], {"Dog"}, 5)


# ---- segments --------------------------------------------------------------------------------
def test_merge_intervals() -> None:
    assert merge_intervals([(5, 6), (0, 1), (0.5, 2), (2, 3), (7, 7)]) == [(0, 3), (5, 6)]


def test_segment_f1_with_a_collar() -> None:
    ref = [(0.0, 2.0), (3.0, 5.0), (8.0, 9.0)]
    assert segment_f1(ref, ref, collar_s=0.2) == 1.0
    # first within the collar; second's offset 0.5 s off; third missed; one extra segment
    hyp = [(0.1, 2.15), (3.0, 5.5), (6.0, 7.0)]
    assert segment_f1(ref, hyp, collar_s=0.2) == pytest.approx(2 * (1 / 3) * (1 / 3) / (2 / 3))
    assert segment_f1(ref, hyp, collar_s=0.5) == pytest.approx(2 / 3)  # now two of three on each side
    # one hypothesis cannot match two references
    assert segment_f1([(0, 1), (0.05, 1.05)], [(0, 1)], collar_s=0.2) == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert segment_f1([], [], 0.2) == 1.0 and segment_f1(ref, [], 0.2) == 0.0


def test_time_f1_of_known_intervals() -> None:
    ref = [(0.0, 4.0), (6.0, 8.0)]  # 6 s of speech
    hyp = [(1.0, 5.0), (6.0, 7.0)]  # 5 s found, 3 + 1 = 4 s of it right
    p, r, f = time_f1(ref, hyp)
    assert (
        p == pytest.approx(4 / 5)
        and r == pytest.approx(4 / 6)
        and f == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3))
    )
    assert time_f1(ref, [(0.0, 2.0), (1.0, 4.0), (6.0, 8.0)]) == (1.0, 1.0, 1.0)  # overlaps merged first


# ---- measured properties ---------------------------------------------------------------------
def test_loudness_of_a_known_sine() -> None:
    # BS.1770: a full-scale 1 kHz sine reads -3.01 LUFS; amplitude 0.1 is 20 dB lower
    sr = 48000
    t = np.arange(5 * sr) / sr
    assert loudness_lufs(0.1 * np.sin(2 * np.pi * 1000 * t), sr) == pytest.approx(-23.01, abs=0.1)
    assert loudness_lufs(np.stack([0.1 * np.sin(2 * np.pi * 1000 * t)] * 2, axis=1), sr) == pytest.approx(
        -20.0, abs=0.1
    )


@pytest.mark.parametrize("freq", [110.0, 440.0, 1234.5])
def test_dominant_frequency_of_tones(freq: float) -> None:
    assert dominant_frequency(tone(freq, 1.0, 16000), 16000) == pytest.approx(freq, rel=2e-3)
    both = tone(freq, 1.0, 16000) + tone(freq * 3, 1.0, 16000, amp=0.1)
    assert dominant_frequency(np.stack([both, both], axis=1), 16000) == pytest.approx(freq, rel=2e-3)
