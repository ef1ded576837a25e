"""Composition: join and phases, step maps and clips, warmups, cooldowns, restarts.

Built on the families and the core. Import from ``jaxsched``.
"""
