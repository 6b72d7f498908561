"""The public API of buffer_core is a deliberate, visible decision."""

from __future__ import annotations

from importlib.metadata import version

import buffer_core
import buffer_core.testing


def test_all_is_the_public_api() -> None:
    """Changing buffer_core.__all__ means changing this list too."""
    assert buffer_core.__all__ == [
        "ENTRY_POINT_GROUP",
        "ENVIRONMENT_VARIABLE",
        "ArrayLike",
        "Buffer",
        "BufferPrototype",
        "BytesLike",
        "Endian",
        "Memory",
        "NDArrayLike",
        "NDBuffer",
        "ScalarType",
        "__version__",
        "default_buffer_prototype",
        "get_prototype",
        "register_prototype",
        "registered_prototypes",
        "set_default_prototype",
        "use_prototype",
    ]


def test_testing_all() -> None:
    """The conformance kit exports its suites."""
    assert buffer_core.testing.__all__ == [
        "AccessRecord",
        "BadInputSuite",
        "BufferSuite",
        "ConformanceSuite",
        "NDBufferSuite",
        "PropertySuite",
        "StrictBuffer",
        "StrictMemory",
        "StrictNDBuffer",
        "strict_prototype",
    ]


def test_implementing_all() -> None:
    """What implementations build on is public: changing it means changing this list too."""
    import buffer_core.implementing

    assert buffer_core.implementing.__all__ == [
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


def test_version_matches_metadata() -> None:
    """__version__ is single-sourced from the installed distribution."""
    assert buffer_core.__version__ == version("buffer-core")


def test_abstract_classes_cannot_be_instantiated() -> None:
    """Buffer and NDBuffer are contracts: only implementations can be built."""
    import numpy as np
    import pytest

    with pytest.raises(TypeError, match="abstract"):
        buffer_core.Buffer(np.zeros(1, "B"))  # type: ignore[abstract]
    with pytest.raises(TypeError, match="abstract"):
        buffer_core.NDBuffer(np.zeros(1))  # type: ignore[abstract]


def test_protocols_are_runtime_checkable() -> None:
    """NumPy arrays satisfy ArrayLike and NDArrayLike; bytes do not."""
    import numpy as np

    assert isinstance(np.zeros(3, "B"), buffer_core.ArrayLike)
    assert isinstance(np.zeros((2, 2)), buffer_core.NDArrayLike)
    assert not isinstance(b"abc", buffer_core.NDArrayLike)
