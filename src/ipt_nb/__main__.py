"""``python -m ipt_nb`` runs the ``ipt-nb`` command."""

import sys

from .cli import main

sys.exit(main())
