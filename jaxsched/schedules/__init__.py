"""The schedule families of the catalogue, one module per family.

Each family builds on ``jaxsched.core`` only. Import from ``jaxsched``.
"""
