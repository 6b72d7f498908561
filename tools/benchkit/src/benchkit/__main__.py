"""``python -m benchkit``: the same as the ``benchkit`` command."""

import sys

from benchkit.cli import main

sys.exit(main())
