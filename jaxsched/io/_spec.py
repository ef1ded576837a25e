"""A schedule named on the command line: a ``.json``/``.yaml``/``.yml`` file or a text form."""

from __future__ import annotations

import pathlib

from jaxsched.core._schedule import Schedule
from jaxsched.io._serialize import load_schedule
from jaxsched.io._text import parse

#: The suffixes of the files a schedule or a config is read from.
FILE_SUFFIXES = (".json", ".yaml", ".yml")


def read_schedule(spec: str, where: str = "SPEC") -> Schedule:
    """The schedule a SPEC argument names: a ``.json``/``.yaml``/``.yml`` file, else a text form.

    Args:
      spec: the argument as typed.
      where: how errors name the argument.

    Returns:
      The schedule.

    Example:
      >>> from jaxsched.io._spec import read_schedule
      >>> read_schedule("Constant(1e-3)")
      Constant(value=0.001)
    """
    if spec.lower().endswith(FILE_SUFFIXES):
        if not _is_file(spec):
            raise FileNotFoundError(
                f"{where}: no file {spec!r}; give an existing .json/.yaml/.yml file written by "
                f"jaxsched.save_schedule, or the schedule's text form."
            )
        return load_schedule(spec)
    try:
        return parse(spec)
    except (ValueError, TypeError) as error:
        if _is_file(spec):
            raise ValueError(
                f"{where}: {spec!r} is a file but not .json, .yaml or .yml; a schedule file's "
                f"suffix says its format (or give the text form itself)."
            ) from None
        # The first line says where and what; the rest repeats the text under a caret.
        message = f"{where} {spec!r}: {str(error).splitlines()[0]}"
        raise (ValueError if isinstance(error, ValueError) else TypeError)(message) from None


def _is_file(path: str) -> bool:
    try:
        return pathlib.Path(path).is_file()
    except OSError:  # a name too long for the file system, say
        return False
