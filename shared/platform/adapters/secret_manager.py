"""Secrets in Google Secret Manager, cached per instance with a TTL; values are masked in logs.

A secret the code creates (a tenant's token, at connect time) keeps its replicas in the configured
locations (user-managed replication, ``Settings.secret_replicas``): an organisation's resource-location
policy refuses automatic replication, which would make every connect fail."""

import contextlib
import logging
import threading
import time

from google.api_core import exceptions as gexc
from google.cloud import secretmanager

from shared.platform.domain.signed_tokens import ring
from shared.platform.errors import ConfigError, InvalidInput, NotFound, TransientError
from shared.platform.logs import register_secret

log = logging.getLogger(__name__)


class SecretManagerSecrets:
    def __init__(
        self,
        client: secretmanager.SecretManagerServiceClient,
        project: str,
        ttl_s: float = 300.0,
        *,
        replicas: tuple[str, ...],
    ) -> None:
        """``replicas``: the locations (at least one) where a secret created here is stored."""
        if not replicas:
            raise ConfigError("Secret Manager needs at least one replica location (NA_SECRET_LOCATIONS)")
        self._client = client
        self._project = project
        self._replication = secretmanager.Replication(
            user_managed=secretmanager.Replication.UserManaged(
                replicas=[secretmanager.Replication.UserManaged.Replica(location=at) for at in replicas]
            )
        )
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _secret_path(self, name: str) -> str:
        return f"projects/{self._project}/secrets/{name}"

    def get(self, name: str, fresh: bool = False) -> str:
        with self._lock:
            cached = None if fresh else self._cache.get(name)
        if cached and time.monotonic() - cached[0] < self._ttl_s:
            return cached[1]
        try:
            reply = self._client.access_secret_version(name=f"{self._secret_path(name)}/versions/latest")
        except gexc.NotFound as exc:
            raise NotFound(f"secret {name} has no enabled version") from exc
        except (gexc.ServiceUnavailable, gexc.DeadlineExceeded) as exc:
            raise TransientError(f"secret manager: {exc.__class__.__name__}") from exc
        try:
            value: str = reply.payload.data.decode()
        except UnicodeDecodeError:  # set by hand; "from None": the error would carry the bytes
            raise ConfigError(
                f"secret {name}: its latest version is not UTF-8 text; add one that is"
            ) from None
        register_secret(value)
        for key in ring(value)[1].values():  # the signing key's ring: each version masked on its own
            register_secret(key)
        with self._lock:
            self._cache[name] = (time.monotonic(), value)
        return value

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        """Add a version; create the secret first only if it does not exist (``create=False``: raise
        NotFound instead); destroy the version it replaces.

        Adding first keeps the usual case (a refresh, or a secret Terraform created) to one call that
        needs only ``versions.add`` on that secret, never the project-wide ``secrets.create``. Every
        enabled version is billed monthly and a token refresh adds one, so the previous version is
        destroyed at once (only ``latest`` is ever read); failing that is logged, never fatal.
        """
        try:
            data = value.encode()
        except UnicodeEncodeError:  # a lone surrogate; "from None": the error would carry the value
            raise InvalidInput(
                f"secret {name}: the value is not valid Unicode text; nothing stored"
            ) from None
        register_secret(value)
        payload = secretmanager.SecretPayload(data=data)
        try:
            version = self._client.add_secret_version(parent=self._secret_path(name), payload=payload)
        except gexc.NotFound as exc:
            if not create:
                raise NotFound(f"secret {name} does not exist") from exc
            with contextlib.suppress(gexc.Conflict):  # created meanwhile (AlreadyExists / REST 409)
                self._client.create_secret(
                    parent=f"projects/{self._project}",
                    secret_id=name,
                    secret=secretmanager.Secret(replication=self._replication),
                )
            version = self._client.add_secret_version(parent=self._secret_path(name), payload=payload)
        except (gexc.ServiceUnavailable, gexc.DeadlineExceeded) as exc:
            raise TransientError(f"secret manager: {exc.__class__.__name__}") from exc
        with self._lock:
            self._cache[name] = (time.monotonic(), value)
        self._destroy_previous(str(version.name))

    def _destroy_previous(self, version_name: str) -> None:
        head, _, number = version_name.rpartition("/")
        if not number.isdigit() or int(number) <= 1:
            return
        try:
            self._client.destroy_secret_version(name=f"{head}/{int(number) - 1}")
        except (gexc.NotFound, gexc.FailedPrecondition):
            return  # already destroyed (e.g. by a concurrent refresh)
        except gexc.GoogleAPICallError as exc:
            log.warning(
                "could not destroy the replaced version %s: %s", f"{head}/{int(number) - 1}", exc.code
            )

    def delete(self, name: str) -> None:
        with contextlib.suppress(gexc.NotFound):  # already gone: deleting is idempotent
            self._client.delete_secret(name=self._secret_path(name))
        with self._lock:
            self._cache.pop(name, None)
