import sys

from cxlabs.cli import main

sys.exit(main())
