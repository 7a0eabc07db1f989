"""The Firestore emulator that ships with the Google Cloud SDK, started directly with java (~1 s)."""

import shutil
from pathlib import Path

_JAR_CANDIDATES = (
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar",
    "/usr/share/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar",
)
MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
# The JVM's options for an emulator that lives minutes, not days (decision 0105): only the quick
# compiler (C1), whose code is ready sooner and whose compiling costs far less CPU than C2's, which
# never pays back its work in a test's life; and the serial collector, without the parallel one's
# threads, as each of the many emulators a test run starts shares two cores with the others.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def emulator_jar() -> Path:
    gcloud = shutil.which("gcloud")
    candidates = list(_JAR_CANDIDATES)
    if gcloud:
        sdk = Path(gcloud).resolve().parent.parent
        candidates.insert(0, str(sdk / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"))
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError(
        "The Firestore emulator was not found. Install it with "
        "'gcloud components install cloud-firestore-emulator' (or Debian's "
        "google-cloud-cli-firestore-emulator) and Java 17."
    )


def java_command(emulator: str) -> list[str]:
    """java with :data:`JVM_OPTIONS`, for the SDK's ``emulator`` (named when java is missing)."""
    java = shutil.which("java")
    if not java:
        raise RuntimeError(f"Java 17 is needed for the {emulator} emulator: install openjdk-17-jre-headless.")
    return [java, *JVM_OPTIONS]


def emulator_argv(port: int) -> list[str]:
    return [
        *java_command("Firestore"),
        "-Duser.language=en",
        "-cp",
        str(emulator_jar()),
        MAIN_CLASS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
