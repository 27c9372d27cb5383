"""Deployment tests: the shipped manifests and NATS configuration, checked and booted."""

from __future__ import annotations

import sys
from pathlib import Path

# test_manifests_boot reuses test_deploy_config's readers of the manifests and its NATS runner.
sys.path.insert(0, str(Path(__file__).parent))
