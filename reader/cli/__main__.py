"""`python -m reader.cli`: what the `reader` script runs."""

from . import main

main()
