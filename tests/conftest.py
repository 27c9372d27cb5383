"""Cross-service tests: the harness in ``tests/harness`` (services as processes, the broker, the flows)
is importable as top-level modules (``from stack import ...``) by every suite under ``tests/``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "harness"))
