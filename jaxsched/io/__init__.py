"""Formats and readers: the dict and text forms, and the converters of other libraries.

Import from ``jaxsched``.
"""
