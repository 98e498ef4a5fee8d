import sys

from audiogpt.cli import main

sys.exit(main())
