"""Where documents' bytes live: the instance folder by default, S3-compatible object storage when
``ADMISSION_STORAGE_URL`` is ``s3://bucket[/prefix]``, so that several web workers on several
machines share them. Keys are the files' SHA-256: the same file stored twice is one object."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...


class FolderStorage:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file, two writers never collide.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None, client=None):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client("s3", endpoint_url=endpoint or None)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()


def from_config(config: dict, instance_path: str) -> Storage:
    url = config.get("ADMISSION_STORAGE_URL") or ""
    if url.startswith("s3://"):
        parsed = urlparse(url)
        return S3Storage(parsed.netloc, parsed.path, config.get("ADMISSION_S3_ENDPOINT") or None)
    return FolderStorage(Path(instance_path) / "documents")


def storage() -> Storage:
    """The application's storage, made once per application (a boto3 client is thread-safe)."""
    from flask import current_app

    cached = current_app.extensions.get("admission.document_storage")
    if cached is None:
        cached = from_config(current_app.config, current_app.instance_path)
        current_app.extensions["admission.document_storage"] = cached
    return cached
