"""monorepo.images: finding a CA certificate in a saved image's nested layer archives."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from monorepo import images

# Not a real certificate: base64 that only has to be long and unique.
BODY = "".join(f"{i:04d}QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" for i in range(40))
PEM = "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n".format(
    "\n".join(BODY[i : i + 64] for i in range(0, len(BODY), 64))
)


def tar_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_fingerprint_is_found_in_a_file_of_a_nested_layer_even_rewrapped(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text(PEM)
    rewrapped = "\n".join(BODY[i : i + 76] for i in range(0, len(BODY), 76)).encode()
    layer = tar_bytes({"etc/ssl/certs/bundle.crt": b"other\n" + rewrapped, "bin/x": b"x"})
    saved = tar_bytes({"abc/layer.tar": layer, "manifest.json": b"{}"})
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        hits = images._scan(archive, images.certificate_fingerprints(pem), "img")
    assert hits == ["img/abc/layer.tar/etc/ssl/certs/bundle.crt"]


def test_clean_layers_give_no_hits(tmp_path: Path) -> None:
    pem = tmp_path / "ca.pem"
    pem.write_text(PEM)
    saved = tar_bytes({"abc/layer.tar": tar_bytes({"bin/x": b"x" * 1000})})
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        assert images._scan(archive, images.certificate_fingerprints(pem), "img") == []


def test_a_file_without_certificates_is_rejected(tmp_path: Path) -> None:
    empty = tmp_path / "none.pem"
    empty.write_text("no certificates here")
    with pytest.raises(ValueError, match="pem_file must hold at least one PEM certificate"):
        images.certificate_fingerprints(empty)


@pytest.fixture
def docker() -> str:
    from monorepo import machine

    problem = machine.docker_problem()
    if problem is not None:
        pytest.skip(problem)
    return machine.docker_command()


@pytest.mark.docker
def test_a_certificate_copied_into_a_real_image_is_found_and_a_clean_image_passes(
    docker: str, tmp_path: Path
) -> None:
    import subprocess

    pem = tmp_path / "ca.pem"
    pem.write_text(PEM)
    (tmp_path / "clean.txt").write_text("nothing secret\n")
    tags = {"leaky": "monorepo-test-leaky:latest", "clean": "monorepo-test-clean:latest"}
    (tmp_path / "leaky.Dockerfile").write_text(
        "FROM scratch\nCOPY ca.pem /etc/ssl/certs/proxy.pem\n"
    )
    (tmp_path / "clean.Dockerfile").write_text("FROM scratch\nCOPY clean.txt /clean.txt\n")
    try:
        for kind, tag in tags.items():
            subprocess.run(
                [
                    docker,
                    "build",
                    "--quiet",
                    "-f",
                    str(tmp_path / f"{kind}.Dockerfile"),
                    "-t",
                    tag,
                    str(tmp_path),
                ],
                check=True,
                capture_output=True,
            )
        leaked = images.files_with_certificates(docker, tags["leaky"], pem)
        assert len(leaked) == 1
        assert leaked[0].endswith("/etc/ssl/certs/proxy.pem")
        assert images.files_with_certificates(docker, tags["clean"], pem) == []
    finally:
        subprocess.run([docker, "rmi", "--force", *tags.values()], capture_output=True, check=False)
