"""``python -m local_stack.mint``: print a dev session token (the command the README shows).

The code lives with the other Wacht stand-ins, in local_stack.wacht.mint.
"""

from __future__ import annotations

import sys

from .wacht.mint import main

if __name__ == "__main__":
    sys.exit(main())
