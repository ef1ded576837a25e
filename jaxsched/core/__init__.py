"""The core: the schedule type and its algebra, validation, numerics, names and units.

Everything else in jaxsched builds on this layer; it imports nothing above it. Import
from ``jaxsched``, the public door: these modules are private.
"""
