"""Choosing an implementation by name: registry, default, context and environment."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator

import pytest

import buffer_core
from buffer_core import BufferPrototype
from buffer_core._registry import _registered
from buffer_core.testing._foreign import foreign_prototype


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no run-time registrations, no process default and no env var."""
    monkeypatch.delenv("BUFFER_PROTOTYPE", raising=False)
    saved = dict(_registered)
    buffer_core.set_default_prototype(None)
    yield
    buffer_core.set_default_prototype(None)
    _registered.clear()
    _registered.update(saved)


def test_register_and_get() -> None:
    """A registered prototype is found by name and listed."""
    buffer_core.register_prototype("foreign", foreign_prototype)
    assert buffer_core.get_prototype("foreign") is foreign_prototype
    assert "foreign" in buffer_core.registered_prototypes()


def test_unknown_name_lists_the_known_ones() -> None:
    """An unknown name is a ValueError that lists every known name."""
    buffer_core.register_prototype("foreign", foreign_prototype)
    with pytest.raises(ValueError, match=r"unknown buffer prototype 'nope'.*'foreign'"):
        buffer_core.get_prototype("nope")


@pytest.mark.parametrize(
    ("name", "prototype", "argument"),
    [("", foreign_prototype, "name"), (3, foreign_prototype, "name"), ("x", (1, 2), "prototype")],
    ids=["empty-name", "int-name", "tuple-prototype"],
)
def test_register_validates(name: object, prototype: object, argument: str) -> None:
    """register_prototype names the bad argument."""
    with pytest.raises(TypeError, match=argument):
        buffer_core.register_prototype(name, prototype)  # type: ignore[arg-type]


def test_get_prototype_rejects_non_strings() -> None:
    """Names are strings."""
    with pytest.raises(TypeError, match="name"):
        buffer_core.get_prototype(None)  # type: ignore[arg-type]


def test_default_falls_back_to_cpu_with_a_clear_error_when_absent() -> None:
    """With nothing chosen the default is 'cpu'; unknown here, the error says so."""
    if "cpu" in buffer_core.registered_prototypes():
        assert buffer_core.default_buffer_prototype() is buffer_core.get_prototype("cpu")
    else:
        with pytest.raises(ValueError, match="'cpu'"):
            buffer_core.default_buffer_prototype()


def test_environment_variable_chooses_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """BUFFER_PROTOTYPE names the default."""
    buffer_core.register_prototype("foreign", foreign_prototype)
    monkeypatch.setenv("BUFFER_PROTOTYPE", "foreign")
    assert buffer_core.default_buffer_prototype() is foreign_prototype


def test_set_default_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A default set in code wins over the environment; None restores it."""
    other = BufferPrototype(foreign_prototype.buffer, foreign_prototype.nd_buffer)
    buffer_core.register_prototype("foreign", foreign_prototype)
    buffer_core.register_prototype("other", other)
    monkeypatch.setenv("BUFFER_PROTOTYPE", "foreign")
    buffer_core.set_default_prototype("other")
    assert buffer_core.default_buffer_prototype() is other
    buffer_core.set_default_prototype(None)
    assert buffer_core.default_buffer_prototype() is foreign_prototype


def test_set_default_rejects_unknown_names_at_once() -> None:
    """A typo fails when the default is set, not at the first allocation."""
    with pytest.raises(ValueError, match="unknown buffer prototype 'cpuu'"):
        buffer_core.set_default_prototype("cpuu")


def test_use_prototype_is_scoped_and_nests() -> None:
    """The context manager overrides the default inside the block only."""
    other = BufferPrototype(foreign_prototype.buffer, foreign_prototype.nd_buffer)
    buffer_core.register_prototype("foreign", foreign_prototype)
    buffer_core.register_prototype("other", other)
    buffer_core.set_default_prototype("foreign")
    with buffer_core.use_prototype("other") as chosen:
        assert chosen is other
        assert buffer_core.default_buffer_prototype() is other
        with buffer_core.use_prototype("foreign"):
            assert buffer_core.default_buffer_prototype() is foreign_prototype
        assert buffer_core.default_buffer_prototype() is other
    assert buffer_core.default_buffer_prototype() is foreign_prototype


def test_use_prototype_is_local_to_its_thread() -> None:
    """Another thread does not see a use_prototype block."""
    other = BufferPrototype(foreign_prototype.buffer, foreign_prototype.nd_buffer)
    buffer_core.register_prototype("foreign", foreign_prototype)
    buffer_core.register_prototype("other", other)
    buffer_core.set_default_prototype("foreign")
    seen: list[BufferPrototype] = []
    with buffer_core.use_prototype("other"):
        thread = threading.Thread(
            target=lambda: seen.append(buffer_core.default_buffer_prototype())
        )
        thread.start()
        thread.join()
    assert seen == [foreign_prototype]


def test_prototypes_pickle_by_reference() -> None:
    """A BufferPrototype is a NamedTuple of classes and pickles as such."""
    restored = pickle.loads(pickle.dumps(foreign_prototype))
    assert restored == foreign_prototype
    assert restored.buffer is foreign_prototype.buffer


@pytest.mark.parametrize(
    "prototype",
    [
        BufferPrototype(int, str),
        BufferPrototype(foreign_prototype.nd_buffer, foreign_prototype.buffer),
    ],  # type: ignore[arg-type]
    ids=["int-str", "swapped"],
)
def test_register_checks_the_classes(prototype: BufferPrototype) -> None:
    """A BufferPrototype must hold a Buffer subclass and an NDBuffer subclass, in that order."""
    with pytest.raises(
        TypeError, match=r"^prototype: expected (buffer|nd_buffer) to be a subclass"
    ):
        buffer_core.register_prototype("bad", prototype)
    assert "bad" not in buffer_core.registered_prototypes()


def test_environment_variable_naming_a_missing_package_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BUFFER_PROTOTYPE=gpu without buffer-gpu names the variable and the package to install."""
    if "gpu" in buffer_core.registered_prototypes():
        pytest.skip("buffer-gpu is installed here")
    monkeypatch.setenv("BUFFER_PROTOTYPE", "gpu")
    with pytest.raises(
        ValueError,
        match=r"^BUFFER_PROTOTYPE: unknown buffer prototype 'gpu'.*pip install buffer-gpu",
    ):
        buffer_core.default_buffer_prototype()


def test_unknown_names_in_code_name_the_argument() -> None:
    """get_prototype('nope') names its argument; a known package's name says which to install."""
    with pytest.raises(ValueError, match=r"^name: unknown buffer prototype 'nope'; known"):
        buffer_core.get_prototype("nope")
    if "gpu" not in buffer_core.registered_prototypes():
        with pytest.raises(ValueError, match=r"^name: .*'gpu' comes with buffer-gpu"):
            buffer_core.get_prototype("gpu")
