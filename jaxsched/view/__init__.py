"""Looking at a schedule: its phases, the whole curve, the phase table, the horizon check,
plots.

Import from ``jaxsched``.
"""
