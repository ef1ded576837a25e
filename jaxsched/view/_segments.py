"""The phases of a schedule, found by walking its structure (not by sampling its curve).

Each schedule class says how its own clock splits into segments: a start, an end (or none:
it runs on), a shape name, and for staircases and cycles the period. Compositions map
their parts' segments onto their own clock (shifted, cut, stretched, overlaid). A class
with no rule here, such as one registered by a user, is one segment up to its horizon and
a hold after it. :func:`jaxsched.describe` and :func:`jaxsched.plot` read the result;
the values at each segment's ends are computed from the schedule itself, never here.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Callable

import numpy as np

from jaxsched.compose._cooldown import Cooldown, Rewarmup
from jaxsched.compose._join import Join
from jaxsched.compose._restarts import CosineRestarts, DecayCycles, Restarts
from jaxsched.compose._transforms import Clip, Hold, Offset, PerEpoch
from jaxsched.compose._warmup import Warmup
from jaxsched.core._cycles import cycle_start
from jaxsched.core._schedule import Constant, Product, Scale, Schedule, Sum
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._cyclical import Cyclical
from jaxsched.schedules._exponential import ExponentialDecay, InverseTimeDecay, NaturalExpDecay
from jaxsched.schedules._function import FromFunction
from jaxsched.schedules._interpolate import PiecewiseInterpolate
from jaxsched.schedules._linear_cosine import LinearCosineDecay, NoisyLinearCosineDecay
from jaxsched.schedules._onecycle import OneCycle, OneCycleMomentum
from jaxsched.schedules._piecewise import MultiStepDecay, PiecewiseConstant, StepDecay
from jaxsched.schedules._polynomial import Linear, Polynomial
from jaxsched.schedules._power import DirectPowerDecay, PowerAndLinearDecay, PowerDecayWithOffset
from jaxsched.schedules._rsqrt import InverseSqrtDecay, Noam


@dataclasses.dataclass(frozen=True)
class Periods:
    """Stairs or cycles: the first starts at ``origin``, lasting ``length`` updates; each
    next one is ``growth`` times longer (cycle starts rounded up, as the schedule does)."""

    kind: str  # "stair" or "cycle"
    origin: int
    length: int
    growth: float = 1.0

    def start(self, index: int) -> int:
        return self.origin + cycle_start(self.length, self.growth, index)

    def index(self, step: int) -> int:
        """The stair or cycle that ``step >= origin`` falls in."""
        if self.growth == 1:
            return (step - self.origin) // self.length
        high = 1
        while self.start(high) <= step:
            high *= 2
        low = high // 2 if high > 1 else 0
        while high - low > 1:  # start(low) <= step < start(high)
            middle = (low + high) // 2
            low, high = (middle, high) if self.start(middle) <= step else (low, middle)
        return low

    def seen(self, start: int, end: int) -> tuple[int, int] | None:
        """The first and last index met by updates ``[start, end)``, if any."""
        first, last = max(start, self.origin), end - 1
        if last < first:
            return None
        return self.index(first), self.index(last)

    def shifted(self, by: int) -> Periods:
        return dataclasses.replace(self, origin=self.origin + by)


@dataclasses.dataclass(frozen=True)
class Segment:
    """Updates ``[start, end)`` of one shape (``end=None``: to the end of the run)."""

    start: int
    end: int | None
    shape: str
    periods: Periods | None = None

    def shifted(self, by: int) -> Segment:
        end = None if self.end is None else self.end + by
        periods = None if self.periods is None else self.periods.shifted(by)
        return dataclasses.replace(self, start=self.start + by, end=end, periods=periods)


def _cut(segments: list[Segment], start: int, end: int | None) -> list[Segment]:
    """The parts of ``segments`` inside ``[start, end)``."""
    kept = []
    for segment in segments:
        low = max(segment.start, start)
        high = _min_end(segment.end, end)
        if high is None or low < high:
            kept.append(dataclasses.replace(segment, start=low, end=high))
    return kept


def _min_end(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _one(shape: str, end: int | None = None, periods: Periods | None = None) -> list[Segment]:
    """One shape from update 0 to ``end``, then a hold if it ends."""
    if end is None:
        return [Segment(0, None, shape, periods)]
    return _nonempty([Segment(0, end, shape, periods), Segment(end, None, "hold")])


def _nonempty(segments: list[Segment]) -> list[Segment]:
    return [s for s in segments if s.end is None or s.start < s.end]


def _after(first: list[Segment], length: int, then: list[Segment]) -> list[Segment]:
    """``first`` for ``length`` updates, then ``then`` on its own clock."""
    return _cut(first, 0, length) + [s.shifted(length) for s in then]


def segments(schedule: Schedule) -> list[Segment]:
    """The segments of ``schedule`` on its own clock, from update 0, in order."""
    rule = _RULES.get(type(schedule))
    if rule is None:
        return _one(_shape_name(type(schedule)), schedule.horizon)
    return _nonempty(rule(schedule))


def _shape_name(cls: type) -> str:
    """``PowerAndLinearDecay`` -> ``power and linear decay``."""
    words, word = [], ""
    for char in cls.__name__:
        if char.isupper() and word and not word[-1].isupper():
            words.append(word)
            word = ""
        word += char
    return " ".join([*words, word]).lower()


def _overlay(parts: list[list[Segment]], sign: str) -> list[Segment]:
    """Segments of schedules evaluated together (a product, a sum): cut at every start."""
    cuts = sorted(
        {s.start for part in parts for s in part}
        | {s.end for part in parts for s in part if s.end is not None}
    )
    merged = []
    for low, high in zip(cuts, [*cuts[1:], None], strict=True):
        here = [
            next(s for s in part if s.start <= low and (s.end is None or low < s.end))
            for part in parts
        ]
        periods = next((s.periods for s in here if s.periods is not None), None)
        merged.append(Segment(low, high, f" {sign} ".join(s.shape for s in here), periods))
    return merged


def _join(s: Join) -> list[Segment]:
    starts = [0, *(int(b) for b in s.boundaries)]
    ends = [*starts[1:], None]
    found = []
    for part, start, end in zip(s.schedules, starts, ends, strict=True):
        found += _cut([seg.shifted(start) for seg in segments(part)], start, end)
    return found


def _exponential(s: ExponentialDecay) -> list[Segment]:
    begin, length = int(s.transition_begin), int(s.transition_steps)
    if s.staircase:
        decay = Segment(begin, None, "exponential staircase", Periods("stair", begin, length))
    else:
        decay = Segment(begin, None, "exponential")
    return _nonempty([Segment(0, begin, "constant"), decay])


def _staircase(shape: str) -> Callable[[NaturalExpDecay | InverseTimeDecay], list[Segment]]:
    def rule(s: NaturalExpDecay | InverseTimeDecay) -> list[Segment]:
        if s.staircase:
            return _one(f"{shape} staircase", None, Periods("stair", 0, int(s.decay_steps)))
        return _one(shape)

    return rule


def _ramp(shape: str, s: Linear | Polynomial) -> list[Segment]:
    begin, length = int(s.transition_begin), int(s.transition_steps)
    return [Segment(0, begin, "constant"), *(seg.shifted(begin) for seg in _one(shape, length))]


def _polynomial(s: Polynomial) -> list[Segment]:
    shape = "linear" if float(s.power) == 1 else f"polynomial (power {float(s.power):g})"
    if s.cycle:
        begin = int(s.transition_begin)
        return [Segment(0, begin, "constant"), Segment(begin, None, f"{shape}, cycling")]
    return _ramp(shape, s)


def _levels(boundaries: list[int]) -> list[Segment]:
    edges = [0, *boundaries, None]
    return [Segment(a, b, "constant") for a, b in itertools.pairwise(edges)]


def _interpolate(s: PiecewiseInterpolate) -> list[Segment]:
    knots = [int(k) for k in s.steps]
    found = [Segment(0, knots[0], "constant")]
    found += [Segment(a, b, s.interpolation) for a, b in itertools.pairwise(knots)]
    return [*found, Segment(knots[-1], None, "hold")]


def _through(value: float) -> int:
    """The number of updates ``t >= 0`` with ``t <= value`` (one-cycle phase ends)."""
    return max(0, math.floor(value) + 1)


def _onecycle(
    two: tuple[str, str], three: tuple[str, str, str]
) -> Callable[[OneCycle | OneCycleMomentum], list[Segment]]:
    def rule(s: OneCycle | OneCycleMomentum) -> list[Segment]:
        # The phase ends as the schedule computes them, in float32: t <= p T - 1, ...
        total = int(s.total_steps)
        up = float(np.float32(s.pct_start) * np.float32(total) - np.float32(1))
        ends = [_through(up), _through(2 * up), total] if s.three_phase else [_through(up), total]
        anneal = "cosine" if s.anneal == "cos" else "linear"
        shapes = three if s.three_phase else two
        starts = [0, *ends[:-1]]
        found = [
            Segment(a, b, shape if shape == "hold" else f"{anneal} {shape}")
            for a, b, shape in zip(starts, ends, shapes, strict=True)
        ]
        return [*found, Segment(total, None, "hold")]

    return rule


def _cycles(shape: str, length: int, growth: float = 1.0, end: int | None = None) -> list[Segment]:
    return _one(shape, end, Periods("cycle", 0, length, growth))


def _restarts(s: Restarts) -> list[Segment]:
    inner = [seg.shape for seg in _cut(segments(s.schedule), 0, int(s.period))]
    return _cycles(f"restarts of {' then '.join(inner)}", int(s.period))


def _per_epoch(s: PerEpoch) -> list[Segment]:
    n = int(s.steps_per_epoch)
    found = []
    for seg in segments(s.schedule):
        periods = seg.periods
        if periods is None:
            periods = Periods("stair", seg.start * n, n)
        else:
            periods = Periods(periods.kind, periods.origin * n, periods.length * n, periods.growth)
        end = None if seg.end is None else seg.end * n
        found.append(Segment(seg.start * n, end, f"{seg.shape}, per epoch", periods))
    return found


def _offset(s: Offset) -> list[Segment]:
    shift = int(s.offset)
    if shift <= 0:
        return _cut([seg.shifted(shift) for seg in segments(s.schedule)], 0, None)
    return [Segment(0, shift, "constant"), *(seg.shifted(shift) for seg in segments(s.schedule))]


def _hold(s: Hold) -> list[Segment]:
    length = int(s.length)
    return [*_cut(segments(s.schedule), 0, length), Segment(length, None, "hold")]


def _cooldown(s: Cooldown) -> list[Segment]:
    start, length = int(s.start_step), int(s.cooldown_steps)
    cooldown = [Segment(0, length, f"{s.shape} cooldown"), Segment(length, None, "hold")]
    return _after(segments(s.schedule), start, cooldown)


def _rewarmup(s: Rewarmup) -> list[Segment]:
    start, length = int(s.start_step), int(s.warmup_steps)
    rewarmup = _after([Segment(0, length, f"{s.shape} rewarmup")], length, segments(s.after))
    return _after(segments(s.before), start, rewarmup)


def _warmup(s: Warmup) -> list[Segment]:
    length = int(s.warmup_steps)
    shape = "constant" if s.shape == "constant" else f"{s.shape} warmup"
    return _after([Segment(0, length, shape)], length, segments(s.schedule))


def _decay_cycles(s: DecayCycles) -> list[Segment]:
    return _cycles(f"{s.shape} cycles", int(s.cycle_steps), float(s.cycle_mul), s.horizon)


_RULES: dict[type, Callable[..., list[Segment]]] = {
    Constant: lambda s: _one("constant"),
    Linear: functools.partial(_ramp, "linear"),
    Polynomial: _polynomial,
    ExponentialDecay: _exponential,
    NaturalExpDecay: _staircase("natural exp"),
    InverseTimeDecay: _staircase("inverse time"),
    CosineDecay: lambda s: _one("cosine", int(s.decay_steps)),
    LinearCosineDecay: lambda s: _one("linear cosine", int(s.decay_steps)),
    NoisyLinearCosineDecay: lambda s: _one("noisy linear cosine", int(s.decay_steps)),
    InverseSqrtDecay: lambda s: _one("inverse sqrt"),
    Noam: lambda s: [
        Segment(0, int(s.warmup_steps), "linear warmup"),
        Segment(int(s.warmup_steps), None, "inverse sqrt"),
    ],
    DirectPowerDecay: lambda s: _one("power"),
    PowerAndLinearDecay: lambda s: _one("power, then linear", s.horizon),
    PowerDecayWithOffset: lambda s: [
        Segment(0, _through(int(s.offset)), "constant"),
        Segment(_through(int(s.offset)), None, "power"),
    ],
    PiecewiseConstant: lambda s: _levels([int(b) for b in s.boundaries]),
    MultiStepDecay: lambda s: _levels([int(m) for m in s.milestones]),
    StepDecay: lambda s: _one("step decay", None, Periods("stair", 0, int(s.step_size))),
    PiecewiseInterpolate: _interpolate,
    Cyclical: lambda s: _cycles(
        f"cyclical ({'custom' if s.scale_fn is not None else s.mode})",
        int(s.step_size_up)
        + int(s.step_size_down if s.step_size_down is not None else s.step_size_up),
    ),
    OneCycle: _onecycle(("rise", "anneal"), ("rise", "fall", "anneal")),
    OneCycleMomentum: _onecycle(("fall", "rise"), ("fall", "rise", "hold")),
    CosineRestarts: lambda s: _cycles("cosine restarts", int(s.first_decay_steps), float(s.t_mul)),
    DecayCycles: _decay_cycles,
    Restarts: _restarts,
    Warmup: _warmup,
    Cooldown: _cooldown,
    Rewarmup: _rewarmup,
    Join: _join,
    Product: lambda s: _overlay([segments(p) for p in s.schedules], "×"),
    Sum: lambda s: _overlay([segments(p) for p in s.schedules], "+"),
    Scale: lambda s: segments(s.schedule),
    Clip: lambda s: [
        dataclasses.replace(seg, shape=f"{seg.shape}, clipped") for seg in segments(s.schedule)
    ],
    Offset: _offset,
    Hold: _hold,
    PerEpoch: _per_epoch,
    FromFunction: lambda s: _one(f"function {getattr(s.fn, '__name__', 'fn')}", s.horizon),
}
