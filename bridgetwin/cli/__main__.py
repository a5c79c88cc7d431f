"""``python -m bridgetwin.cli``: the same as the ``bridgetwin`` command."""

from bridgetwin.cli import main

main()
