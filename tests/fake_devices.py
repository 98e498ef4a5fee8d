"""Adapters on a fake failing device, for the fallback tests (named in configs as ``tests.fake_devices:…``)."""

from __future__ import annotations

from typing import ClassVar

from foundation_models.vad_silero import SileroVAD


class VADOnBrokenGPU(SileroVAD):
    """The real Silero VAD, on a "GPU" that loads the model but fails its first computation.

    That is how a GPU without kernels for the library, or a missing cuBLAS, shows itself: loading
    works, the first computation raises. Every probe is recorded, with the device it ran on.
    """

    probes: ClassVar[list[str]] = []

    def _load(self) -> None:
        wanted = self.device
        super()._load()  # this machine has no CUDA provider, so Silero would move itself to the CPU
        if wanted != "cpu":
            self.device, self.device_note = wanted, None  # placed on the broken device, as asked

    def _probe(self) -> None:
        type(self).probes.append(self.device)
        if self.device != "cpu":
            raise RuntimeError("CUDA error: no kernel image is available for execution on the device")
        super()._probe()


class BrokenEverywhere(SileroVAD):
    """A model whose weights cannot be read on any device (a corrupt checkpoint)."""

    def _load(self) -> None:
        raise RuntimeError("checkpoint is corrupt: unexpected end of file")
