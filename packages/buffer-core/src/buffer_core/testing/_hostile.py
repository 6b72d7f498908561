"""Hypothesis strategies for hostile arguments, and the check that a refusal is a clean one.

The bad-input suite hands these to every public method. What counts as
clean is the error contract in buffer-core's README: a TypeError or
ValueError (IndexError for a key that selects nothing) whose message starts
with the name of the argument at fault.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

__all__ = [
    "NON_INTEGERS",
    "REFUSED",
    "bad_dtypes",
    "bad_keys",
    "bad_orders",
    "bad_shapes",
    "bad_values",
    "check_refusal",
    "released_memoryview",
]

#: What :func:`check_refusal` returns when the call was refused.
REFUSED = object()


class _Opaque:
    """An object NumPy knows nothing about."""

    def __repr__(self) -> str:
        return "<opaque>"


# Objects that are not integers in any sense NumPy accepts as a size or an index.
NON_INTEGERS: list[Any] = [
    None,
    True,
    np.bool_(False),
    _Opaque(),
    "text",
    "",
    b"bytes",
    1.5,
    -0.5,
    float("nan"),
    float("inf"),
    1 + 2j,
    {},
    {1: 2},
    set(),
    frozenset({1}),
    [[1], [2, 3]],
    (1, "a"),
    Ellipsis,
    np.float64("nan"),
    np.datetime64("2020-01-01"),
    np.array(["a"]),
    np.array([_Opaque()], dtype=object),
    np.zeros((2, 3)),
    len,
]


def released_memoryview() -> memoryview:
    """A memoryview that has been released: every attribute and export of it raises."""
    view = memoryview(bytearray(b"abcd"))
    view.release()
    return view


# Integers that no size, byte or small dtype can hold.
_BAD_INTEGERS: list[Any] = [-1, -(2**63), 300, 2**63, 2**70, -(2**70), np.int64(-1)]

_scalars = st.sampled_from(NON_INTEGERS + _BAD_INTEGERS)


def bad_values() -> st.SearchStrategy[Any]:
    """Values a write or a fill may be given: scalars, lists and arrays, some of them fine."""
    return st.one_of(
        _scalars,
        st.integers(-(2**70), 2**70),
        st.floats(),
        st.text(max_size=4),
        st.binary(max_size=6),
        # A sequence whose last element fails is how half-written results happen.
        st.lists(st.integers(0, 9), min_size=1, max_size=5).flatmap(
            lambda good: _scalars.map(lambda bad: [*good, bad])
        ),
        st.lists(st.one_of(st.integers(-300, 300), st.floats(), st.text(max_size=2)), max_size=6),
        st.sampled_from(
            [
                np.array(["1", "2", "x"]),
                np.array([1, 2, _Opaque()], dtype=object),
                np.arange(7.0),
                np.full(3, np.nan),
                np.array([1, 2, 300]),
                np.zeros((2, 2), dtype="V3"),
            ]
        ),
        # Every attribute of it raises, its shape and format included (and its
        # hash, so it cannot be one of the sampled values above).
        st.builds(released_memoryview),
    )


def bad_shapes() -> st.SearchStrategy[Any]:
    """Shapes: wrong types, wrong elements, negative, too many dimensions, too big.

    Valid shapes come out small, so a valid call never allocates much.
    """
    element = st.one_of(st.integers(-3, 3), st.sampled_from(NON_INTEGERS + _BAD_INTEGERS))
    return st.one_of(
        _scalars,
        st.lists(element, min_size=0, max_size=3).map(tuple),
        st.lists(element, min_size=1, max_size=3),
        st.sampled_from([(1,) * 65, (2**62, 2**62), (2**40, 2**40, 2**40), (-1, 0), "ab"]),
    )


def bad_dtypes() -> st.SearchStrategy[Any]:
    """Dtype specifications NumPy refuses, or that a buffer cannot use as given."""
    return st.sampled_from(
        [
            None,
            "no-such-dtype",
            "f8,",
            5,
            1.5,
            _Opaque(),
            {},
            [("a", "i4"), ("a", "f8")],
            "M8[xyz]",
            "U-1",
            "f8",
            "u1",
            "M8[s]",
            "U3",
            "V4",
            [("f0", "i4"), ("f1", "f8")],
        ]
    )


def bad_orders() -> st.SearchStrategy[Any]:
    """Memory orders: anything but one of the letters allowed."""
    return st.one_of(st.text(alphabet="CFKAcf ", max_size=3), _scalars)


def bad_keys() -> st.SearchStrategy[Any]:
    """Keys for an n-dimensional buffer of shape (3, 4): out of range, wrong kind, odd combinations."""
    index = st.one_of(
        st.integers(-6, 6),
        st.sampled_from(NON_INTEGERS),
        st.sampled_from([None, Ellipsis, slice(None), slice(1, 2), slice(0, 3, 0), slice(1.5, 2)]),
        st.sampled_from(
            [
                np.array([True, False]),
                np.array([True, False, True]),
                np.array([0, 5]),
                np.array([0.5]),
                [0, 9],
                [[0, 1], [1, 0]],
            ]
        ),
    )
    return st.one_of(index, st.lists(index, max_size=4).map(tuple), st.just("no-such-field"))


def check_refusal(call: Callable[[], Any], *names: str, index_error: bool = False) -> Any:
    """Run ``call``; if it raises, the error must be a clean refusal naming one of ``names``.

    Returns the call's result, or :data:`REFUSED`. IndexError is allowed
    only with ``index_error`` (a key), and its message must start with
    ``key:`` like any other. Anything else (OverflowError, AttributeError,
    a NumPy message) fails the test.
    """
    pattern = re.compile(rf"^({'|'.join(re.escape(n) for n in names)})(\[\d+\])?: \S")
    with warnings.catch_warnings():
        # NumPy warns about lossy casts (NaN to integer, complex to real)
        # while it converts; whether a value converts is what is under test.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        try:
            return call()
        except IndexError as error:
            if not index_error:
                msg = f"IndexError outside indexing: {error!r}"
                raise AssertionError(msg) from error
            if not str(error).startswith("key:"):
                msg = f"message does not start with 'key:': {error!r}"
                raise AssertionError(msg) from error
        except (TypeError, ValueError) as error:
            if not pattern.match(str(error)):
                msg = f"message does not start with one of {names}: {type(error).__name__}: {error}"
                raise AssertionError(msg) from error
    return REFUSED
