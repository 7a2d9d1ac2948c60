#!/usr/bin/env python3
"""Writes the deployment manifest: what would ship, from which commit, and how every phase ended.

Usage: deployment_manifest.py OUTPUT.json
Reads RELEASE_VERSION, ARTIFACT, COMMIT, RUN_ID, RUN_NUMBER, REF, STRATEGY_STAGING, STRATEGY_PRODUCTION and PHASES (a JSON
object of job id → result, built from needs.*.result) from the environment. Exit 1 when a phase did not
succeed (the release is not ready), 0 otherwise; the manifest is written either way.
"""
import json
import os
import sys
from datetime import datetime, timezone

REQUIRED = {"quality", "security", "unit-tests", "package", "package-scan", "integration-tests", "e2e"}


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    phases = json.loads(os.environ.get("PHASES", "{}"))
    blocking = sorted(job for job in REQUIRED if phases.get(job) != "success")
    manifest = {
        "app": "lattice",
        "version": os.environ.get("RELEASE_VERSION", ""),
        "commit": os.environ.get("COMMIT", ""),
        "ref": os.environ.get("REF", ""),
        "run": {"id": os.environ.get("RUN_ID", ""), "number": os.environ.get("RUN_NUMBER", "")},
        "artifact": os.environ.get("ARTIFACT", ""),
        "phases": phases,
        "deployments": [
            {"environment": "staging", "strategy": os.environ.get("STRATEGY_STAGING", "rolling"), "approval": "none"},
            {"environment": "production", "strategy": os.environ.get("STRATEGY_PRODUCTION", "blue-green"), "approval": "required"},
        ],
        "ready": not blocking,
        "blocking": blocking,
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    with open(argv[0], "w") as handle:
        json.dump(manifest, handle, indent=2)
    print(json.dumps(manifest, indent=2))
    if blocking:
        print(f"not ready: {', '.join(blocking)} did not succeed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
