"""``python -m xpnet``: the ``xpnet`` command ([`xpnet.cli`][xpnet.cli])."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
