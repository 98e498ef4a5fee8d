"""``python app.py`` — the AudioGPT chat UI on the configured (by default embedded, offline) models.

Takes the options of ``audiogpt ui``: --host, --port, --share, --config, --engine.
"""

import sys

from audiogpt.cli import main

if __name__ == "__main__":
    sys.exit(main(["ui", *sys.argv[1:]]))
