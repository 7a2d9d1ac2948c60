#!/usr/bin/env python3
"""Checks a published artifact before it ships.

Usage: package_scan.py ARTIFACT_DIR AUDIT.json REPORT.json
  - no secrets in any file (the patterns of secret_scan.py),
  - no key/certificate/env files, and no credentials in configuration files (appsettings*.json),
  - every package in *.deps.json was audited in Phase 2 (AUDIT.json from vulnerability_audit.py) and none is
    vulnerable, by that audit or by the local advisory list.
Writes REPORT.json and a Markdown summary beside it. Exit 0 clean, 1 findings, 2 usage error.
"""
import fnmatch
import json
import os
import re
import sys

import advisories
import secret_scan

FORBIDDEN_FILES = ["*.pem", "*.key", "*.pfx", "*.p12", "*.jks", "id_rsa*", "id_ed25519*", ".env", ".env.*",
                   "*.publishsettings", ".npmrc", ".pypirc", "credentials", "*.kdbx"]
SECRET_KEYS = re.compile(r"(?i)(password|passwd|pwd|secret|api_?key|token|connectionstring|credential)")
INLINE_PASSWORD = re.compile(r"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*[^;\s]+")


def config_findings(path):
    """Non-empty values under secret-looking keys, and connection strings with an inline password."""
    try:
        with open(path) as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        return [f"unreadable configuration: {error}"]
    found = []

    def walk(node, trail):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, trail + [key])
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, trail + [str(index)])
        elif isinstance(node, str) and node.strip():
            name = ":".join(trail)
            if INLINE_PASSWORD.search(node):
                found.append(f"{name} holds a connection string with a password")
            elif trail and SECRET_KEYS.search(trail[-1]) and not node.startswith("${"):
                found.append(f"{name} holds a value under a secret-looking key")

    walk(document, [])
    return found


def deps_packages(artifact):
    packages = set()
    for directory, _, names in os.walk(artifact):
        for name in names:
            if name.endswith(".deps.json"):
                with open(os.path.join(directory, name)) as handle:
                    libraries = json.load(handle).get("libraries", {})
                packages |= {tuple(key.lower().split("/", 1)) for key, value in libraries.items()
                             if value.get("type") == "package"}
    return packages


def scan(artifact, audit):
    findings = []
    files = []
    for directory, _, names in os.walk(artifact):
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, artifact)
            files.append(relative)
            if any(fnmatch.fnmatch(name, pattern) for pattern in FORBIDDEN_FILES):
                findings.append({"kind": "forbidden-file", "file": relative, "detail": "key, certificate or credentials file"})
            if fnmatch.fnmatch(name, "appsettings*.json"):
                findings += [{"kind": "config-secret", "file": relative, "detail": d} for d in config_findings(path)]

    _, secrets = secret_scan.scan([artifact])
    findings += [{"kind": "secret", "file": os.path.relpath(s["file"], artifact),
                  "detail": f"line {s['line']}: {s['rule']} {s['match']}"} for s in secrets]

    audited = {(p["id"].lower(), p["version"]) for p in audit["packages"]}
    audited_vulnerable = {(v["id"].lower(), v["version"]): v for v in audit["vulnerable"]}
    local = advisories.load()
    shipped = sorted(deps_packages(artifact))
    for package_id, version in shipped:
        if (package_id, version) not in audited:
            findings.append({"kind": "unaudited-package", "file": f"{package_id} {version}",
                             "detail": "in the artifact but not in the Phase 2 audit"})
        if (package_id, version) in audited_vulnerable:
            v = audited_vulnerable[(package_id, version)]
            findings.append({"kind": "vulnerable-package", "file": f"{package_id} {version}", "detail": f"{v['severity']} {v['advisory']}"})
        for advisory in advisories.matches(local, package_id, version):
            findings.append({"kind": "vulnerable-package", "file": f"{package_id} {version}",
                             "detail": f"{advisory['severity']} {advisory['advisory']} (local advisory list)"})
    return {"artifact": artifact, "files": len(files), "packages": [{"id": i, "version": v} for i, v in shipped],
            "findings": findings, "result": "failed" if findings else "passed"}


def markdown(report):
    lines = ["# Package security scan", "",
             f"- artifact: `{report['artifact']}`", f"- files: {report['files']}",
             f"- packages shipped: {len(report['packages'])}", f"- findings: {len(report['findings'])}",
             f"- result: **{report['result']}**", ""]
    if report["findings"]:
        lines += ["| kind | where | detail |", "|---|---|---|"]
        lines += [f"| {f['kind']} | {f['file']} | {f['detail']} |" for f in report["findings"]]
    lines += ["", "## Packages", ""] + [f"- {p['id']} {p['version']}" for p in report["packages"]]
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 3 or not os.path.isdir(argv[0]):
        print(__doc__, file=sys.stderr)
        return 2
    artifact, audit_path, report_path = argv
    with open(audit_path) as handle:
        audit = json.load(handle)
    report = scan(artifact, audit)
    with open(report_path, "w") as handle:
        json.dump(report, handle, indent=2)
    with open(os.path.splitext(report_path)[0] + ".md", "w") as handle:
        handle.write(markdown(report))
    for f in report["findings"]:
        print(f"{f['kind']}: {f['file']}: {f['detail']}")
    print(f"package scan: {report['files']} files, {len(report['packages'])} packages, {len(report['findings'])} findings")
    return 1 if report["findings"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
