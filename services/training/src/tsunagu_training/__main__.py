"""``python -m tsunagu_training [serve | migrate]``: run the training service until SIGINT or SIGTERM (the
default), or apply its database migrations and exit (``tsunagu_servicekit.command``)."""

from tsunagu_servicekit.command import service_main

from .app import build_runtime
from .settings import TrainingSettings


def main() -> None:
    service_main(build_runtime, TrainingSettings)


if __name__ == "__main__":
    main()
