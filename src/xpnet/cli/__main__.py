"""``python -m xpnet.cli``."""

import sys

from .main import main

sys.exit(main())
