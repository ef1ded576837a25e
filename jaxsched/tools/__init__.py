"""Training tools: the LR range test and one-compile sweeps.

Import from ``jaxsched``.
"""
