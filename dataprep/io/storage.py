"""One interface to files wherever they live: local paths and ``s3://``, ``gs://``, ``hf://``.

Local paths stay :class:`pathlib.Path` and are read with the standard library and
pyarrow exactly as before. A path with a scheme becomes an :class:`ObjectPath` and
is read through fsspec (``s3fs``, ``gcsfs``, ``huggingface_hub``'s ``HfFileSystem``),
installed by the ``cloud`` extra; a missing package is a one-line error naming it.

Credentials and endpoints come from each library's own chain (``AWS_PROFILE``,
``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``..., ``GOOGLE_APPLICATION_CREDENTIALS``,
``HF_TOKEN``), or from the recipe's ``storage.options`` (per scheme), which
:func:`configure` hands to the filesystems of this process. Nothing here writes them
anywhere. Object stores have no rename: :func:`put_file` and :func:`put_bytes` write
each object whole (one PUT, or a multipart upload completed only when every part
is sent and aborted on error), so an object is either absent or complete.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, ParamSpec, TypeVar, Union

from dataprep.errors import ConfigError, InputError, OutputError

__all__ = [
    "AnyPath",
    "ObjectPath",
    "configure",
    "filesystem",
    "is_remote",
    "local_copy",
    "open_input",
    "option_file",
    "to_path",
]

#: The package that serves each scheme, all installed by ``pip install 'dataprep[cloud]'``.
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "hf": "huggingface_hub"}
EXTRA = "pip install 'dataprep[cloud]'"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def scheme_of(text: str) -> str | None:
    """``s3`` for ``s3://b/k``; None for a local path (``file://`` included)."""
    m = _SCHEME.match(text)
    if m is None or m.group(1).lower() == "file":
        return None
    return m.group(1).lower()


@dataclass(frozen=True, order=True)
class ObjectPath:
    """A path in an object store or on the Hub: ``scheme://bucket/key``.

    Offers the little of ``pathlib`` that discovery and naming use (``name``,
    ``suffixes``, ``parent``, ``/``, ``relative_to``); I/O goes through this module.
    """

    url: str

    @classmethod
    def parse(cls, text: str) -> ObjectPath:
        scheme = scheme_of(text)
        if scheme is None:
            raise ValueError(f"{text!r} has no scheme")
        rest = text[len(scheme) + 3 :].strip("/")
        key = posixpath.normpath(rest) if rest else ""
        if key in ("", "."):
            raise InputError(f"{text}: give a bucket (and a folder or key) after {scheme}://")
        return cls(f"{scheme}://{key}")

    def __str__(self) -> str:
        return self.url

    @property
    def scheme(self) -> str:
        return self.url.split("://", 1)[0]

    @property
    def key(self) -> str:
        """The path without the scheme (``bucket/folder/file``), as fsspec names it."""
        return self.url.split("://", 1)[1]

    @property
    def _pure(self) -> PurePosixPath:
        return PurePosixPath(self.key)

    @property
    def name(self) -> str:
        return self._pure.name

    @property
    def suffixes(self) -> list[str]:
        return self._pure.suffixes

    @property
    def parent(self) -> ObjectPath:
        parent = posixpath.dirname(self.key)
        return ObjectPath(f"{self.scheme}://{parent or self.key}")

    @property
    def parents(self) -> list[ObjectPath]:
        out: list[ObjectPath] = []
        p = self.parent
        while p != (out[-1] if out else self):
            out.append(p)
            p = p.parent
        return out

    def __truediv__(self, name: str) -> ObjectPath:
        return ObjectPath(f"{self.url}/{name}")

    def relative_to(self, other: ObjectPath) -> PurePosixPath:
        if self.scheme != other.scheme:
            raise ValueError(f"{self} is not under {other}")
        return self._pure.relative_to(other._pure)

    def as_posix(self) -> str:
        return self.url


AnyPath = Union[Path, ObjectPath]  # noqa: UP007 - a runtime alias (Python 3.10 too)


def to_path(text: str | os.PathLike[str] | ObjectPath) -> AnyPath:
    """An :class:`ObjectPath` for a URL with a scheme, else a local ``Path``."""
    if isinstance(text, (Path, ObjectPath)):
        return text
    text = os.fspath(text)
    if scheme_of(text) is not None:
        return ObjectPath.parse(text)
    if text.startswith("file://"):
        text = text[len("file://") :]
    return Path(text)


def key_of(path: AnyPath) -> str:
    """The path as a ``/``-separated string without its scheme (for relative names)."""
    return path.key if isinstance(path, ObjectPath) else str(path)


def is_remote(path: object) -> bool:
    """True for an :class:`ObjectPath` or a string with a (non-``file``) scheme."""
    if isinstance(path, ObjectPath):
        return True
    return isinstance(path, str) and scheme_of(path) is not None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How this process talks to object stores (the recipe's ``storage`` section)."""

    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_attempts: int = 10
    retry_mode: str = "adaptive"
    max_concurrency: int = 4
    part_bytes: int = 64 << 20


_settings = Settings()


def configure(settings: Settings) -> None:
    """Set how every filesystem of this process is made.

    ``options`` maps a scheme (``s3``, ``gs``, ``hf``) to keyword arguments of its
    fsspec filesystem (e.g. ``{"s3": {"endpoint_url": ..., "anon": true}}``).
    ``max_attempts``/``retry_mode`` are botocore's retry settings for S3 (``standard``
    and ``adaptive`` retry ``503 SlowDown`` with backoff; ``adaptive`` also slows the
    client down); the same attempt count bounds s3fs's own retry loop.
    ``max_concurrency`` bounds the requests one transfer has in flight (s3fs) and the
    connection pool (botocore); ``part_bytes`` is the multipart upload's part size.
    """
    global _settings
    _settings = settings


def _kwargs(scheme: str) -> dict[str, Any]:
    own = dict(_settings.options.get(scheme, {}))
    if PACKAGES.get(scheme) == "s3fs":
        config = dict(own.pop("config_kwargs", {}) or {})
        config.setdefault(
            "retries", {"total_max_attempts": _settings.max_attempts, "mode": _settings.retry_mode}
        )
        config.setdefault("max_pool_connections", _settings.max_concurrency)
        own["config_kwargs"] = config
        own.setdefault("max_concurrency", _settings.max_concurrency)
    return own


def filesystem(path: ObjectPath) -> Any:
    """The fsspec filesystem for ``path``'s scheme (cached per process by fsspec).

    A scheme whose package is missing is a one-line :class:`ConfigError` naming the
    extra to install.
    """
    scheme = path.scheme
    package = PACKAGES.get(scheme)
    try:
        import fsspec

        cls = fsspec.get_filesystem_class(scheme)
    except ImportError as e:
        need = package or "an fsspec implementation"
        raise ConfigError(f"{path}: reading {scheme}:// needs {need}: {EXTRA}") from e
    except ValueError as e:
        raise ConfigError(
            f"{path}: unknown storage scheme {scheme!r} (supported: s3, gs, hf, local paths)"
        ) from e
    fs = cls(**_kwargs(scheme))
    if package == "s3fs":
        fs.retries = max(_settings.max_attempts, 1)
    return fs


#: Where each scheme's library looks for credentials (named when it found none).
CREDENTIAL_CHAINS = {
    "s3fs": "AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials",
    "gcsfs": "GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`",
    "huggingface_hub": "HF_TOKEN or `hf auth login`",
}
#: The libraries' exceptions for "no usable credentials" (botocore, google-auth).
_NO_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError"}
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _credentials_checked(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """``fn`` with the store library's "no credentials" error turned into a one-line
    :class:`ConfigError` naming the path and where credentials are looked for."""

    @functools.wraps(fn)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if type(e).__name__ not in _NO_CREDENTIALS:
                raise
            flat = [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]
            path = next(a for a in flat if isinstance(a, ObjectPath))
            chain = CREDENTIAL_CHAINS.get(PACKAGES.get(path.scheme, ""), "the library's settings")
            raise ConfigError(
                f"{path}: no credentials found for {path.scheme}:// ({type(e).__name__}); "
                f"set {chain}, or storage.options in the recipe"
            ) from e

    return call


def _io_error(action: str, path: AnyPath, e: Exception) -> InputError:
    return InputError(f"cannot {action} {path}: {type(e).__name__}: {e}")


@_credentials_checked
def open_input(path: AnyPath, *, block_size: int | None = None) -> BinaryIO:
    """A seekable binary file: local, or read by ranges from the store (no download)."""
    if isinstance(path, Path):
        return open(path, "rb")
    fs = filesystem(path)
    try:
        kwargs: dict[str, Any] = {"cache_type": "readahead"}
        if block_size is not None:
            kwargs["block_size"] = block_size
        return fs.open(path.key, "rb", **kwargs)  # type: ignore[no-any-return]
    except FileNotFoundError as e:
        raise InputError(f"input {path} does not exist") from e
    except OSError as e:
        raise _io_error("read", path, e) from e


@dataclass(frozen=True)
class Info:
    """What a listing says about one file."""

    size: int
    mtime_ns: int | None
    etag: str | None


@_credentials_checked
def info(path: AnyPath) -> Info:
    """Size, modification time and, for objects, the ETag (or Hub blob id)."""
    if isinstance(path, Path):
        st = path.stat()
        return Info(st.st_size, st.st_mtime_ns, None)
    fs = filesystem(path)
    try:
        found = fs.info(path.key)
    except FileNotFoundError as e:
        raise InputError(f"input {path} does not exist") from e
    mtime = found.get("LastModified") or found.get("mtime") or found.get("updated")
    mtime_ns = int(mtime.timestamp() * 1e9) if hasattr(mtime, "timestamp") else None
    etag = found.get("ETag") or found.get("etag") or found.get("blob_id") or found.get("sha")
    etag = str(etag).strip('"') if etag is not None else None
    return Info(int(found.get("size") or 0), mtime_ns, etag)


@_credentials_checked
def kind(path: ObjectPath) -> str | None:
    """``file``, ``directory`` or None when nothing is there."""
    fs = filesystem(path)
    try:
        found = fs.info(path.key)
    except FileNotFoundError:
        return None
    return "directory" if found.get("type") == "directory" else "file"


@_credentials_checked
def walk_files(folder: ObjectPath) -> list[ObjectPath]:
    """Every object under ``folder``, in sorted order."""
    fs = filesystem(folder)
    return [ObjectPath(f"{folder.scheme}://{key}") for key in sorted(fs.find(folder.key))]


@_credentials_checked
def glob(pattern: ObjectPath) -> list[ObjectPath]:
    """Objects matching a glob (``*``, ``?``, ``[...]``, ``**``), sorted; folders left out."""
    fs = filesystem(pattern)
    found = fs.glob(pattern.key, detail=True)
    return sorted(
        ObjectPath(f"{pattern.scheme}://{key}")
        for key, meta in found.items()
        if meta.get("type") != "directory"
    )


@_credentials_checked
def put_file(local: Path, target: ObjectPath) -> None:
    """Upload a finished local file as one whole object (see the module docstring)."""
    fs = filesystem(target)
    kwargs = {"chunksize": _settings.part_bytes} if PACKAGES.get(target.scheme) == "s3fs" else {}
    try:
        fs.put_file(str(local), target.key, **kwargs)
    except (OSError, ValueError) as e:
        raise OutputError(f"cannot upload {local.name} to {target}: {e}") from e


@_credentials_checked
def put_bytes(target: ObjectPath, data: bytes, *, create_only: bool = False) -> bool:
    """Write a small object whole; with ``create_only`` False when it already existed
    (a conditional ``If-None-Match: *`` PUT, the object-store way to take a lock)."""
    fs = filesystem(target)
    try:
        if create_only:
            fs.pipe_file(target.key, data, mode="create")
        else:
            fs.pipe_file(target.key, data)
    except FileExistsError:
        return False
    except (OSError, ValueError) as e:
        if create_only and "PreconditionFailed" in str(e):
            return False
        raise OutputError(f"cannot write {target}: {e}") from e
    return True


@_credentials_checked
def abort_uploads(folder: ObjectPath) -> int:
    """Abort the unfinished multipart uploads under ``folder``; how many there were.

    An upload that fails in this process is aborted at once (s3fs does it); one cut
    short by a kill leaves its parts in the bucket, billed but never visible as an
    object, until aborted here or by the bucket's lifecycle rule
    (``AbortIncompleteMultipartUpload``). Only S3 lists them: on other stores
    (GCS resumable uploads expire on their own) this does nothing. The caller holds
    the folder's lock, so no live upload is cut.
    """
    if PACKAGES.get(folder.scheme) != "s3fs":
        return 0
    fs = filesystem(folder)
    bucket, _, key = folder.key.partition("/")
    found: list[tuple[str, str]] = []
    marker: dict[str, str] = {}
    try:
        while True:
            page = fs.call_s3(
                "list_multipart_uploads", Bucket=bucket, Prefix=f"{key}/" if key else "", **marker
            )
            found += [(u["Key"], u["UploadId"]) for u in page.get("Uploads") or []]
            if not page.get("IsTruncated"):
                break
            marker = {"KeyMarker": page["NextKeyMarker"]}
            marker["UploadIdMarker"] = page["NextUploadIdMarker"]
        for upload_key, upload_id in found:
            fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=upload_key, UploadId=upload_id)
    except (OSError, ValueError) as e:
        raise OutputError(f"cannot abort unfinished uploads under {folder}: {e}") from e
    return len(found)


@_credentials_checked
def read_bytes(path: ObjectPath) -> bytes | None:
    """A small object's bytes, or None when it does not exist."""
    fs = filesystem(path)
    try:
        return bytes(fs.cat_file(path.key))
    except FileNotFoundError:
        return None


@_credentials_checked
def delete(paths: list[ObjectPath]) -> None:
    """Delete objects (missing ones are fine)."""
    if not paths:
        return
    fs = filesystem(paths[0])
    for p in paths:
        try:
            fs.rm_file(p.key)
        except FileNotFoundError:
            continue


def local_copy(path: str | Path | ObjectPath) -> Path:
    """A local file with ``path``'s content, for code that needs a real file (a model,
    a blocklist, an eval set named in a recipe): local paths are returned as they are;
    an object is downloaded once per process into the temp folder, keyed by its URL
    and ETag, written under a temporary name and renamed when complete."""
    target = to_path(path)
    if isinstance(target, Path):
        return target
    meta = info(target)
    import hashlib

    digest = hashlib.sha256(f"{target.url}\0{meta.etag}\0{meta.size}".encode()).hexdigest()[:24]
    cache = Path(tempfile.gettempdir()) / "dataprep-objects" / digest
    local = cache / target.name
    if local.is_file() and local.stat().st_size == meta.size:
        return local
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{target.name}.{os.getpid()}.tmp"
    with open_input(target) as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst, 8 << 20)
    os.replace(tmp, local)
    return local


def option_file(what: str, path: str | os.PathLike[str]) -> Path:
    """The local file for a recipe option that names one (``what``: a model, a
    blocklist, an eval set): a local path as given (``~`` expanded); a URL
    (``s3://b/lists/en.txt``) is fetched once per process by :func:`local_copy`.
    A missing or unreadable object is a :class:`ConfigError` naming ``what``."""
    text = os.fspath(path)
    if not is_remote(text):
        return Path(text).expanduser()
    try:
        return local_copy(text)
    except (InputError, OSError) as e:
        raise ConfigError(f"cannot read {what} {text}: {e}") from e


def arrow_input(path: AnyPath) -> Any:
    """What pyarrow's readers take for ``path``: a local path string (pyarrow opens and
    memory-maps it), or a seekable file that fetches byte ranges from the store, so a
    Parquet file is read footer first and then row group by row group, never whole."""
    if isinstance(path, Path):
        return str(path)
    return open_input(path, block_size=READ_BLOCK)


def mapped(path: AnyPath) -> Any:
    """A pyarrow random-access source: memory-mapped locally, ranged reads remotely."""
    import pyarrow as pa

    if isinstance(path, Path):
        return pa.memory_map(str(path))
    return pa.PythonFile(open_input(path, block_size=READ_BLOCK), mode="r")


def is_file(path: AnyPath) -> bool:
    if isinstance(path, Path):
        return path.is_file()
    return kind(path) == "file"


#: Read-ahead of a ranged read from a store: large enough to amortize a request,
#: small enough that reading one row group does not fetch its neighbours.
READ_BLOCK = 4 << 20
