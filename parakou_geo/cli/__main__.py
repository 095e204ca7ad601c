"""``python -m parakou_geo.cli``."""

import sys

from parakou_geo.cli import main

sys.exit(main())
