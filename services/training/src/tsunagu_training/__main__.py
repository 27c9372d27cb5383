"""``python -m tsunagu_training``: run the training service until SIGINT or SIGTERM."""

from tsunagu_servicekit.runtime import run_service

from .app import build_runtime
from .settings import TrainingSettings


def main() -> None:
    run_service(build_runtime, TrainingSettings())


if __name__ == "__main__":
    main()
