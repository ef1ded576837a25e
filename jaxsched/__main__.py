"""``python -m jaxsched``: the ``jaxsched`` command."""

from jaxsched.cli._command import main

# Guarded: pytest's doctest collection imports this module too.
if __name__ == "__main__":
    raise SystemExit(main())
