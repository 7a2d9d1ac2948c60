"""Shared by the audit scripts: NuGet version ordering and the local advisory list (eng/known-vulnerable-packages.json)."""
import json
import os
import re
import urllib.request

DEFAULT_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "eng", "known-vulnerable-packages.json")


def version_key(version):
    """Orders NuGet versions: numeric parts first; a pre-release sorts before its release."""
    core, _, pre = version.partition("-")
    core = core.split("+", 1)[0]
    numbers = [int(part) if part.isdigit() else 0 for part in core.split(".")]
    numbers += [0] * (4 - len(numbers))
    return (numbers, 0 if pre else 1, re.split(r"[.]", pre) if pre else [])


def load(path=DEFAULT_LIST):
    with open(path) as handle:
        return json.load(handle)["advisories"]


def matches(advisories, package_id, version):
    """Advisories that cover package_id at version (ids compare case-insensitively)."""
    found = []
    for advisory in advisories:
        if advisory["id"].lower() != package_id.lower():
            continue
        if version_key(advisory.get("introduced", "0")) <= version_key(version) < version_key(advisory["fixed"]):
            found.append(advisory)
    return found


def sources_with_vulnerability_data(sources, timeout=10):
    """Which NuGet v3 sources publish a VulnerabilityInfo resource; `dotnet list --vulnerable` is blind without one."""
    with_data = []
    for source in sources:
        if not source.startswith("http"):
            continue
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response:
                index = json.load(response)
        except (OSError, ValueError):
            continue
        if any("VulnerabilityInfo" in str(r.get("@type", "")) for r in index.get("resources", [])):
            with_data.append(source)
    return with_data
