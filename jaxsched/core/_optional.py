"""Optional dependencies, imported where a feature needs them (never at import time)."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_import(module: str, owner: str, what: str, install: str) -> ModuleType:
    """``module``, or an ImportError saying that ``owner`` needs ``what`` and how to install it.

    A module that is installed but fails to import (its own dependency missing) raises its
    own error, which says more than ours would.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if error.name != module:
            raise
        raise ImportError(f"{owner} needs {what}: pip install {install}.") from error
