"""Optimizer wiring: injection into optax, read-out, reduce-on-plateau, the resume check.

Import from ``jaxsched``.
"""
