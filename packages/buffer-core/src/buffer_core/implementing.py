"""Everything an implementation of the buffer API builds on: the storage hooks and the helpers.

An implementation subclasses :class:`Memory` once (where its arrays live,
how they are allocated, how bytes move to and from the host, how work is
ordered) and sets an instance as the ``memory`` class attribute of its
``buffer_core.Buffer`` and ``buffer_core.NDBuffer`` subclasses. Every public
method is then implemented by buffer-core. The helpers below are the
validation and error layer those methods use, for implementations that add
fast paths of their own and must refuse bad input in the same words.

This module is public and versioned with buffer-core: a name is removed or
changed only in a new minor release (0.x) and is listed in the CHANGELOG.
``docs/guide/implementing.md`` walks through a small implementation.
"""

from __future__ import annotations

from buffer_core._buffer import require_buffer
from buffer_core._errors import describe, expected_type
from buffer_core._host_all_equal import host_all_equal
from buffer_core._layout import allocation_layout, host_from_raw, host_raw
from buffer_core._memory import STANDARD_DTYPES, Memory, RawBytes
from buffer_core._ndbuffer import casts_safely, storage_from_host
from buffer_core._prototype import check_prototype
from buffer_core._validation import (
    MAX_DIMS,
    allocation_failed,
    check_allocation,
    check_byte_array,
    check_contiguous,
    check_contiguous_slice,
    check_holds_no_references,
    check_not_released,
    conversion_failed,
    convert_fill_value,
    fits_selection,
    host_bytes_of,
    parse_axes,
    parse_dtype,
    parse_newshape,
    parse_order,
    parse_permutation,
    parse_shape,
    raise_key_error,
    shape_mismatch,
    stage_bytes,
    stage_values,
)
from buffer_core._zarr_adapter import ZarrNDBufferMixin, missing_zarr_error, register_zarr_buffers

__all__ = [
    "MAX_DIMS",
    "STANDARD_DTYPES",
    "Memory",
    "RawBytes",
    "ZarrNDBufferMixin",
    "allocation_failed",
    "allocation_layout",
    "casts_safely",
    "check_allocation",
    "check_byte_array",
    "check_contiguous",
    "check_contiguous_slice",
    "check_holds_no_references",
    "check_not_released",
    "check_prototype",
    "conversion_failed",
    "convert_fill_value",
    "describe",
    "expected_type",
    "fits_selection",
    "host_all_equal",
    "host_bytes_of",
    "host_from_raw",
    "host_raw",
    "missing_zarr_error",
    "parse_axes",
    "parse_dtype",
    "parse_newshape",
    "parse_order",
    "parse_permutation",
    "parse_shape",
    "raise_key_error",
    "register_zarr_buffers",
    "require_buffer",
    "shape_mismatch",
    "stage_bytes",
    "stage_values",
    "storage_from_host",
]
