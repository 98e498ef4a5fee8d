"""Sessions: persistence across processes, isolation, path refusal, atomic files, bad uploads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audiogpt.audio import Audio, AudioError
from audiogpt.errors import UserError
from audiogpt.session import ARTIFACT_NAME_RE, SessionStore
from tests.conftest import tone


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    path = tmp_path / "beep.wav"
    sf.write(path, tone(440, 1.5, 16000), 16000)
    return path


def test_ingest_records_format_and_provenance(_workspace: Path, wav: Path) -> None:
    sess = SessionStore(_workspace).create()
    art = sess.ingest(wav, max_upload_mb=10, max_duration_s=60)
    assert ARTIFACT_NAME_RE.fullmatch(art.name)
    assert (art.kind, art.sample_rate, art.channels, art.label) == ("audio", 16000, 1, "beep.wav")
    assert art.duration_s == pytest.approx(1.5)
    assert art.provenance == {"tool": "upload", "source": "beep.wav"}
    assert art.path.read_bytes() == wav.read_bytes()  # a byte copy; the original is untouched
    assert sess.resolve("beep.wav").name == art.name  # users may say the uploaded name


def test_persists_across_a_new_process(_workspace: Path, wav: Path) -> None:
    sess = SessionStore(_workspace).create()
    made = sess.save_audio(Audio(tone(220, 0.5), 16000), {"tool": "text_to_speech", "arguments": {"text": "hi"}})
    sess.add_turn("say hi", "done", {"text": "done"})
    code = (
        "import sys; from audiogpt.session import SessionStore;"
        f"s = SessionStore(sys.argv[1]).open('{sess.id}');"
        "a = s.artifacts()[0]; print(a.name, a.provenance['tool'], a.path.exists(), s.turns()[0][0])"
    )
    out = subprocess.run([sys.executable, "-c", code, str(_workspace)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [made.name, "text_to_speech", "True", "say", "hi"]


def test_sessions_cannot_read_each_other(_workspace: Path, wav: Path) -> None:
    store = SessionStore(_workspace)
    a, b = store.create(), store.create()
    art = a.ingest(wav, 10, 60)
    with pytest.raises(UserError, match="I don't have"):
        b.resolve(art.name)
    with pytest.raises(UserError, match="I don't have"):
        b.resolve("beep.wav")


@pytest.mark.parametrize(
    "name",
    ["../x.wav", "audio/../../audiogpt.db", "/etc/passwd", "~/x.wav", "audio\\..\\x.wav", "..", "a/\x00.wav"],
)
def test_path_tricks_are_refused(_workspace: Path, wav: Path, name: str) -> None:
    sess = SessionStore(_workspace).create()
    sess.ingest(wav, 10, 60)
    with pytest.raises(UserError):
        sess.resolve(name)


def test_unknown_name_lists_the_session_files(_workspace: Path, wav: Path) -> None:
    sess = SessionStore(_workspace).create()
    art = sess.ingest(wav, 10, 60)
    with pytest.raises(UserError) as err:
        sess.resolve("audio/deadbeef.wav")
    assert art.name in str(err.value) and "beep.wav" in str(err.value)


def test_bad_session_ids(_workspace: Path) -> None:
    store = SessionStore(_workspace)
    for bad in ("../../etc", "", "0123456789ab"):
        with pytest.raises(UserError):
            store.open(bad)


def _write(path: Path, data: np.ndarray, sr: int = 16000) -> Path:
    sf.write(path, data, sr, subtype="FLOAT")  # float WAV keeps NaN as NaN
    return path


def test_bad_uploads_are_refused_and_nothing_is_lost(_workspace: Path, wav: Path, tmp_path: Path) -> None:
    sess = SessionStore(_workspace).create()
    good = sess.ingest(wav, 10, 60)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(100))
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    notaudio = tmp_path / "notes.txt"
    notaudio.write_text("hello")
    nan = _write(tmp_path / "nan.wav", np.full(1600, np.nan, dtype=np.float32))
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros((0,), dtype=np.float32), 16000)
    long = tmp_path / "long.wav"  # 2 hours at 8 kHz, written without holding it in memory
    with sf.SoundFile(long, "w", 8000, 1, subtype="PCM_U8") as fh:
        block = np.zeros(8000 * 600, dtype=np.float32)
        for _ in range(12):
            fh.write(block)
    for path, message in [
        (corrupt, "not a readable audio file"),
        (empty, "not a readable audio file"),
        (notaudio, "unsupported file type"),
        (nan, "NaN"),
        (zero, "no samples"),
        (long, "minutes long"),
        (tmp_path / "missing.wav", "no such file"),
    ]:
        with pytest.raises((AudioError, UserError), match=message):
            sess.ingest(path, max_upload_mb=100, max_duration_s=1800)
    assert [a.name for a in sess.artifacts()] == [good.name]
    assert good.path.exists()


def test_upload_size_limit(_workspace: Path, wav: Path) -> None:
    sess = SessionStore(_workspace).create()
    with pytest.raises(UserError, match="upload limit"):
        sess.ingest(wav, max_upload_mb=0.001, max_duration_s=60)


def test_writes_are_atomic(_workspace: Path) -> None:
    sess = SessionStore(_workspace).create()
    art = sess.save_audio(Audio(tone(), 16000), {"tool": "x"})
    leftovers = [p for p in sess.dir.rglob(".tmp-*")]
    assert leftovers == []
    assert sf.info(str(art.path)).frames == 16000


def test_image_upload_keeps_its_name_and_kind(_workspace: Path, tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    sess = SessionStore(_workspace).create()
    art = sess.ingest(png, 10, 60)
    assert (art.kind, art.label) == ("image", "photo.png") and art.name.startswith("image/")
    assert sess.resolve("photo.png").name == art.name  # the label is stored with the row itself
    with pytest.raises(UserError, match="not audio"):
        sess.load(art.name)
