"""Schedules as one line of text: ``Warmup(CosineDecay(3e-4, decay_steps=10_000), 1000)``.

The text form is a Python call written with the jaxsched names, for configs and the
command line. :func:`parse` reads it with its own tokenizer and recursive-descent parser
over a whitelist: the schedule classes and the factories that :func:`jaxsched.from_dict`
knows, the functions registered with :func:`jaxsched.register_function`, and literal
arguments (numbers, strings, ``True``/``False``/``None``, lists, tuples, dicts with
string keys, unary minus on numbers). Nothing is evaluated: there is no attribute
access, no import, no other call, and the length and the nesting depth are bounded.
``str(schedule)`` writes the text form, which parses back to an equal schedule.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from typing import Any

from jaxsched.core._names import did_you_mean, unknown_argument, written
from jaxsched.core._registry import known_callables, registered_functions
from jaxsched.core._schedule import Schedule

#: The longest text :func:`parse` reads, in characters.
MAX_LENGTH = 10_000_000
#: The deepest nesting of calls, brackets and signs :func:`parse` reads.
MAX_DEPTH = 64

_DIGITS = r"\d(?:_?\d)*"
_EXPONENT = rf"[eE][+-]?{_DIGITS}"
_TOKEN = re.compile(
    rf"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<number>(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:{_EXPONENT})?)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[()\[\]{{}},:=-])
    """,
    re.VERBOSE,
)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_LITERALS = {"True": True, "False": False, "None": None}
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_NO_OPERATORS = (
    "the text form has no operators: write a + b - c as Sum([a, b, Scale(c, factor=-1.0)]), "
    "a * b as Product([a, b]), 2 * a as Scale(a, factor=2.0) and a / 2 as "
    "Scale(a, divisor=2.0), or print str(schedule) for the text form of one built in Python."
)


class ParseError(ValueError):
    """The text is not a schedule: where (``line``, ``column``, 1-based) and why (``reason``)."""

    def __init__(self, reason: str, text: str, offset: int) -> None:
        self.reason = reason
        self.line, self.column = _position(text, offset)
        super().__init__(_pointed(reason, text, offset))


def _pointed(reason: str, text: str, offset: int) -> str:
    """``reason`` with where it happened: the line and column, the line and a caret."""
    line, column = _position(text, offset)
    start = offset - column + 1
    end = text.find("\n", offset)
    source = text[start : len(text) if end < 0 else end]
    left = max(0, column - 1 - 50)  # a long line is shown as a window around the position
    shown = ("..." if left else "") + source[left : left + 100]
    caret = " " * (column - 1 - left + (3 if left else 0)) + "^"
    return f"parse: line {line}, column {column}: {reason}\n  {shown}\n  {caret}"


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[offset]``."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


@dataclasses.dataclass(frozen=True)
class _Token:
    kind: str  # "number", "string", "name", "op" or "end"
    text: str
    offset: int


def _tokens(text: str) -> list[_Token]:
    tokens, offset = [], 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise ParseError(_unexpected_character(text, offset), text, offset)
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(_Token(kind, match.group(), offset))
        offset = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unexpected_character(text: str, offset: int) -> str:
    character = text[offset]
    if character in "'\"":
        return "this string is not closed on its line."
    if character == ".":
        return (
            "attribute access ('.') is not allowed: write the jaxsched name alone, e.g. "
            "CosineDecay(...) rather than jaxsched.CosineDecay(...)."
        )
    if character in "+*/":
        return f"unexpected {character!r}: {_NO_OPERATORS}"
    if character in "%@&|^~<>!":
        return (
            f"unexpected {character!r}: the text form has no operators; write each "
            f"value as a number (a minus sign is allowed)."
        )
    return f"unexpected character {character!r}."


def _string(token: _Token, text: str) -> str:
    body, out, i = token.text[1:-1], [], 0
    while i < len(body):
        if body[i] != "\\":
            out.append(body[i])
            i += 1
            continue
        code = body[i + 1]  # the token pattern guarantees a character after a backslash
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            digits = body[i + 2 : i + 2 + _HEX_ESCAPES[code]]
            hexadecimal = len(digits) == _HEX_ESCAPES[code] and all(
                c in "0123456789abcdefABCDEF" for c in digits
            )
            if not hexadecimal or int(digits, 16) > 0x10FFFF:
                raise ParseError(f"bad escape \\{code}{digits}.", text, token.offset + i + 1)
            out.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        else:
            raise ParseError(
                f"unknown escape \\{code}; use \\\\ for a backslash.", text, token.offset + i + 1
            )
    return "".join(out)


def _number(token: _Token, text: str) -> int | float:
    digits = token.text
    try:
        if any(c in digits for c in ".eE"):
            return float(digits)
        return int(digits)
    except ValueError:  # more digits than Python converts
        raise ParseError(f"the number {digits[:20]}... is too long.", text, token.offset) from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def error(self, reason: str, token: _Token | None = None) -> ParseError:
        token = token or self.tokens[self.at]
        return ParseError(reason, self.text, token.offset)

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, op: str) -> bool:
        return self.token.kind == "op" and self.token.text == op

    def expect(self, op: str, what: str) -> _Token:
        if not self.is_op(op):
            raise self.error(f"expected {op!r} {what}, got {_shown(self.token)}.")
        return self.take()

    def nested(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} deep.", token)

    def document(self) -> Schedule:
        start = self.token
        if start.kind == "end":
            raise self.error("expected a schedule, e.g. CosineDecay(1e-3, decay_steps=1000).")
        value = self.value()
        if self.token.kind != "end":
            minus = f" {_NO_OPERATORS[0].upper()}{_NO_OPERATORS[1:]}" if self.is_op("-") else ""
            raise self.error(
                f"expected the end of the text after the schedule, got {_shown(self.token)}.{minus}"
            )
        if not isinstance(value, Schedule):
            raise self.error(
                f"expected a schedule, got {value!r}; write it as a call, e.g. "
                f"Constant({value!r}).",
                start,
            )
        return value

    def value(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return _number(token, self.text)
        if token.kind == "string":
            return _string(token, self.text)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "op" and token.text == "-":
            self.nested(token)
            operand_token = self.token
            operand = self.value()
            self.depth -= 1
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                raise self.error(
                    f"a minus sign applies to a number, not to {_shown(operand_token)}.",
                    operand_token,
                )
            return -operand
        if token.kind == "op" and token.text in _CLOSING:
            self.nested(token)
            result = self.bracket(token)
            self.depth -= 1
            return result
        self.at -= 1
        raise self.error(f"expected a value, got {_shown(token)}.")

    def name(self, token: _Token) -> Any:
        name = token.text
        if name in _LITERALS:
            return _LITERALS[name]
        known = known_callables()
        if self.is_op("("):
            if name not in known:
                raise self.error(
                    f"unknown name {name!r}: a call must be a jaxsched schedule or factory."
                    f"{did_you_mean(name, known)}",
                    token,
                )
            self.take()
            self.nested(token)
            result = self.call(token, known[name])
            self.depth -= 1
            return result
        function = registered_functions.get(name)
        if function is not None:
            return function
        if name in known:
            raise self.error(
                f"expected '(' after {name}: a schedule is written as a call, {name}(...).",
            )
        raise self.error(
            f"unknown name {name!r}: outside a call, a name must be True, False, None or a "
            f"function registered with jaxsched.register_function."
            f"{did_you_mean(name, [*_LITERALS, *known, *registered_functions])}",
            token,
        )

    def call(self, callee_token: _Token, callee: Callable[..., Schedule]) -> Schedule:
        owner = callee_token.text
        signature = inspect.signature(callee)
        parameters = signature.parameters
        positional = [
            n
            for n, p in parameters.items()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        arguments: dict[str, Any] = {}
        offsets: dict[str, int] = {}  # where each argument is written, for its errors
        keyword_seen = False
        while not self.is_op(")"):
            if self.token.kind == "name" and self.tokens[self.at + 1].text == "=":
                keyword = self.take()
                self.take()
                if keyword.text not in parameters:
                    raise self.error(unknown_argument(owner, keyword.text, parameters), keyword)
                if keyword.text in arguments:
                    raise self.error(f"{owner}: {keyword.text} is given twice.", keyword)
                offsets[keyword.text] = keyword.offset
                arguments[keyword.text] = self.value()
                keyword_seen = True
            else:
                if keyword_seen:
                    raise self.error(
                        "a positional argument cannot follow a keyword argument; name it.",
                    )
                if len(arguments) >= len(positional):
                    raise self.error(
                        f"{owner} takes {len(positional)} positional arguments; name this "
                        f"one. It takes {written(owner, signature)}.",
                    )
                offsets[positional[len(arguments)]] = self.token.offset
                arguments[positional[len(arguments)]] = self.value()
            if not self.is_op(")"):
                self.expect(",", f"or ')' after an argument of {owner}")
        closing = self.take()
        missing = [n for n, p in parameters.items() if p.default is p.empty and n not in arguments]
        if missing:
            raise self.error(
                f"{owner} is missing {', '.join(map(repr, missing))}; it takes "
                f"{written(owner, signature)}.",
                closing,
            )
        try:
            return callee(**arguments)
        except (ValueError, TypeError) as error:
            bad = getattr(error, "bad_argument", None)
            offset = offsets.get(getattr(bad, "name", None), callee_token.offset)
            raise _located(error, self.text, offset) from None

    def bracket(self, opening: _Token) -> Any:
        closing = _CLOSING[opening.text]
        items: list[Any] = []
        keys: list[str] = []
        trailing_comma = False
        while not self.is_op(closing):
            if opening.text == "{":
                key_token = self.token
                key = self.value()
                if not isinstance(key, str):
                    raise self.error(f"a dict key must be a string, got {key!r}.", key_token)
                self.expect(":", "after a dict key")
                keys.append(key)
            items.append(self.value())
            trailing_comma = False
            if not self.is_op(closing):
                self.expect(",", f"or {closing!r}")
                trailing_comma = True
        self.take()
        if opening.text == "{":
            return dict(zip(keys, items, strict=True))
        if opening.text == "[":
            return items
        if len(items) == 1 and not trailing_comma:
            return items[0]  # parentheses around one value
        return tuple(items)


def _shown(token: _Token) -> str:
    return "the end of the text" if token.kind == "end" else repr(token.text)


def _located(error: Exception, text: str, offset: int) -> Exception:
    """``error`` with where the argument (or the call) it is about is written."""
    located = type(error)(_pointed(str(error), text, offset))
    if hasattr(error, "bad_argument"):
        located.bad_argument = error.bad_argument  # type: ignore[attr-defined]
    return located


def parse(text: str) -> Schedule:
    """The schedule a text form describes; never evaluates it.

    The text is a call with jaxsched names and literal arguments, as in Python:
    ``Warmup(CosineDecay(3e-4, decay_steps=10_000), warmup_steps=1000)``. Every call is
    checked like the same call in code.

    Args:
      text: the text form, at most ``MAX_LENGTH`` characters; ``#`` starts a comment and
        line breaks are free.

    Returns:
      The schedule.

    Raises:
      ParseError: (a ``ValueError``) the text is not a schedule: a syntax error, an
        unknown name (with the closest names), an argument the call does not take, or
        nesting deeper than ``MAX_DEPTH``; it says where (line and column) and what was
        expected.
      ValueError, TypeError: a value the constructor refuses, with where the call is.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.parse("warmup_cosine_decay(0, 3e-4, warmup_steps=1000, decay_steps=10_000)")
      >>> s(1000)
      Array(0.0003, dtype=float32)
      >>> jaxsched.parse(str(s)) == s
      True
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: expected the text as a str, got {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"the text is {len(text)} characters long; parse reads at most {MAX_LENGTH}.",
            text,
            0,
        )
    return _Parser(text).document()
