import sys

from syncd.cli import main

if __name__ == "__main__":  # only as `python -m syncd`, never on import
    sys.exit(main())
