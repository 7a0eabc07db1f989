"""The Pub/Sub emulator that ships with the Google Cloud SDK (``gcloud beta emulators pubsub start``),
started directly with java as the Firestore emulator is, on 127.0.0.1; and what the stack and the tests
ask of it through google-cloud-pubsub (decision 0190): a topic, a push subscription, a publish.
It keeps a push subscription's ``oidc_token`` but sends no token: local.pubsub_push signs in its place."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from local.firestore_emulator import java_command

if TYPE_CHECKING:
    from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

_DIRS = (
    "/usr/lib/google-cloud-sdk/platform/pubsub-emulator",
    "/usr/share/google-cloud-sdk/platform/pubsub-emulator",
)


def emulator_jar() -> Path:
    """The emulator's jar (``lib/cloud-pubsub-emulator-<version>-all.jar``) of the installed SDK."""
    gcloud = shutil.which("gcloud")
    dirs = [Path(d) for d in _DIRS]
    if gcloud:
        dirs.insert(0, Path(gcloud).resolve().parent.parent / "platform/pubsub-emulator")
    for folder in dirs:
        found = sorted((folder / "lib").glob("cloud-pubsub-emulator-*-all.jar"))
        if found:
            return found[-1]
    raise RuntimeError(
        "The Pub/Sub emulator was not found. Install it with 'gcloud components install "
        "pubsub-emulator' (or Debian's google-cloud-cli-pubsub-emulator) and Java 17."
    )


def emulator_argv(port: int) -> list[str]:
    """The emulator on 127.0.0.1:``port``, its state in memory only."""
    return [*java_command("Pub/Sub"), "-jar", str(emulator_jar()), "--host=127.0.0.1", f"--port={port}"]


def publisher(host: str) -> PublisherClient:
    """google-cloud-pubsub's publisher on the emulator at ``host`` (``127.0.0.1:<port>``), no credentials."""
    import grpc
    from google.cloud.pubsub_v1 import PublisherClient
    from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

    return PublisherClient(transport=PublisherGrpcTransport(channel=grpc.insecure_channel(host)))


def subscriber(host: str) -> SubscriberClient:
    """google-cloud-pubsub's subscriber (its admin calls) on the emulator at ``host``."""
    import grpc
    from google.cloud.pubsub_v1 import SubscriberClient
    from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

    return SubscriberClient(transport=SubscriberGrpcTransport(channel=grpc.insecure_channel(host)))


def answers(host: str) -> bool:
    """True once the emulator at ``host`` answers a call (listing a project's topics)."""
    from google.api_core import exceptions as gexc

    client = publisher(host)
    try:
        list(client.list_topics(request={"project": "projects/probe-project"}, timeout=1))
    except (gexc.GoogleAPICallError, gexc.RetryError):
        return False
    finally:
        client.transport.close()
    return True


def push_topic(
    host: str, topic: str, subscription: str, *, endpoint: str, audience: str, invoker: str
) -> None:
    """Create ``topic`` and its push ``subscription`` to ``endpoint`` with the ``oidc_token`` terraform
    gives Gmail's (``invoker``, ``audience``), each unless it exists; the retries terraform sets
    (10 s to 600 s) are left to the emulator's own, quicker ones."""
    from google.api_core import exceptions as gexc

    pub, sub = publisher(host), subscriber(host)
    try:
        with contextlib.suppress(gexc.AlreadyExists):
            pub.create_topic(name=topic)
        config = {
            "push_endpoint": endpoint,
            "oidc_token": {"service_account_email": invoker, "audience": audience},
        }
        request = {"name": subscription, "topic": topic, "push_config": config, "ack_deadline_seconds": 60}
        with contextlib.suppress(gexc.AlreadyExists):
            sub.create_subscription(request=request)
    finally:
        pub.transport.close()
        sub.close()
