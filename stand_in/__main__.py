"""``python -m stand_in``: run the People.ai API stand-in."""

import sys

from .server import main

if __name__ == "__main__":
    sys.exit(main())
