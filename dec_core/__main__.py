"""``python -m dec_core``: see :mod:`dec_core.cli`."""

import sys

from .cli import main

sys.exit(main())
