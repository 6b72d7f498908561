"""Checks on built images that do not need the image to run."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

_PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\s*(?P<body>.+?)\s*-----END CERTIFICATE-----", re.DOTALL
)


def certificate_fingerprints(pem_file: Path) -> list[bytes]:
    """A distinctive run of base64 from each certificate in ``pem_file``.

    The middle of the body is used: the first lines of many certificates are the
    same ASN.1 preamble, the middle is unique to the key and signature.
    """
    fingerprints = []
    for match in _PEM_BLOCK.finditer(pem_file.read_bytes()):
        body = b"".join(match["body"].split())
        middle = len(body) // 2
        fingerprints.append(body[middle - 32 : middle + 32])
    if not fingerprints:
        msg = f"pem_file must hold at least one PEM certificate, got none in {pem_file}"
        raise ValueError(msg)
    return fingerprints


def _scan(archive: tarfile.TarFile, fingerprints: list[bytes], where: str) -> list[str]:
    """Names of members (nested layer archives included) holding a fingerprint."""
    hits = []
    for member in archive:
        if not member.isfile():
            continue
        extracted = archive.extractfile(member)
        if extracted is None:
            continue
        data = extracted.read()
        name = f"{where}/{member.name}"
        if member.name.endswith(".tar") or member.name.startswith("blobs/"):
            try:
                with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                    hits.extend(_scan(layer, fingerprints, name))
                continue
            except tarfile.TarError:
                pass  # a blob that is a config or manifest: scanned as a file below
        # PEM wraps its base64 at varying widths, so compare without whitespace.
        if any(fp in b"".join(data.split()) for fp in fingerprints):
            hits.append(name)
    return hits


def files_with_certificates(docker: str, image: str, pem_file: Path) -> list[str]:
    """Every file in ``image``'s saved layers and config that holds a certificate of
    ``pem_file``; an empty list proves none of them was baked in."""
    fingerprints = certificate_fingerprints(pem_file)
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "image.tar"
        subprocess.run([docker, "save", "-o", str(saved), image], check=True)
        with tarfile.open(saved) as archive:
            return _scan(archive, fingerprints, image)
