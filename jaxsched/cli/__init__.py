"""The ``jaxsched`` command line and its demo."""
