#!/usr/bin/env python3
"""Pattern scan for committed secrets: cloud keys, private keys, tokens, credential assignments.

Usage: secret_scan.py [--json REPORT] PATH...    exit 0 clean, 1 findings, 2 usage error
       secret_scan.py --self-test               proves every rule fires on a planted sample

A line that really must hold such text can say `secret-scan: allow`. Matches are printed masked.
"""
import json
import os
import re
import sys
import tempfile

SKIP_DIRS = {".git", "bin", "obj", "node_modules", "TestResults", ".catalytic"}
MAX_BYTES = 5 * 1024 * 1024
ALLOW_MARKER = "secret-scan: allow"

RULES = [
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("aws-secret-access-key", re.compile(r"(?i)aws_?secret_?access_?key\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")),
    ("private-key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("stripe-key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}\b")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    # key = value where the value looks generated: 12+ characters mixing letters and digits, not a ${{ }} reference.
    ("generic-credential", re.compile(
        r"(?i)\b(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|access[_-]?token|auth[_-]?token|password|passwd|pwd)\b"
        r"[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9_\-+/=.!@#%^&*]{12,})")),
]


def looks_generated(value):
    return bool(re.search(r"[A-Za-z]", value)) and bool(re.search(r"[0-9]", value))


def mask(text):
    return text[:6] + "…" + f"({len(text)} chars)"


def scan_file(path, findings):
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return
    if b"\0" in data[:8192]:
        return  # binary
    text = data.decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOW_MARKER in line:
            continue
        for rule, pattern in RULES:
            for match in pattern.finditer(line):
                if rule == "generic-credential" and not looks_generated(match.group("value")):
                    continue
                findings.append({"file": path, "line": number, "column": match.start() + 1,
                                 "rule": rule, "match": mask(match.group(0))})


def scan(paths):
    findings = []
    files = 0
    for root in paths:
        if os.path.isfile(root):
            files += 1
            scan_file(root, findings)
            continue
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(names):
                files += 1
                scan_file(os.path.join(directory, name), findings)
    return files, findings


def self_test():
    # The samples are assembled at run time so this file never contains a live-looking secret itself.
    samples = {
        "aws-access-key-id": "key = " + "AKIA" + "Z7Q2" * 4,
        "aws-secret-access-key": "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
        "private-key": "-----BEGIN " + "RSA PRIVATE KEY-----",
        "github-token": "token: " + "ghp_" + "a1B2c3D4e5" * 4,
        "slack-token": "xoxb-" + "123456789012-abcdef",
        "stripe-key": "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "google-api-key": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "generic-credential": "api_key=" + "q8Wn3Zt5Yp2L9xVc",
    }
    clean = ["password: postgres", "api_key: ${{ secrets.API_KEY }}", "token = " + "ghp_short",
             "password=" + "q8Wn3Zt5Yp2L9xVc  # " + ALLOW_MARKER]
    with tempfile.TemporaryDirectory() as folder:
        for rule, line in samples.items():
            with open(os.path.join(folder, rule + ".txt"), "w") as handle:
                handle.write("harmless line\n" + line + "\n")
        with open(os.path.join(folder, "clean.txt"), "w") as handle:
            handle.write("\n".join(clean) + "\n")
        _, findings = scan([folder])
    failures = []
    for rule in samples:
        hits = [f for f in findings if os.path.basename(f["file"]) == rule + ".txt" and f["rule"] == rule]
        if not hits or hits[0]["line"] != 2:
            failures.append(f"rule {rule} did not fire on its sample")
    false_positives = [f for f in findings if os.path.basename(f["file"]) == "clean.txt"]
    failures += [f"false positive on clean line {f['line']}: {f['rule']}" for f in false_positives]
    for failure in failures:
        print(f"self-test: {failure}", file=sys.stderr)
    print(f"secret scan self-test: {len(samples) - len([f for f in failures if 'did not fire' in f])}/{len(samples)} rules fire, "
          f"{len(false_positives)} false positives")
    return 1 if failures else 0


def main(argv):
    if argv[:1] == ["--self-test"]:
        return self_test()
    report = None
    if argv[:1] == ["--json"]:
        if len(argv) < 2:
            print("usage: secret_scan.py [--json REPORT] PATH...", file=sys.stderr)
            return 2
        report, argv = argv[1], argv[2:]
    if not argv:
        print("usage: secret_scan.py [--json REPORT] PATH...", file=sys.stderr)
        return 2
    files, findings = scan(argv)
    for f in findings:
        print(f"{f['file']}:{f['line']}:{f['column']}: {f['rule']}: {f['match']}")
    print(f"secret scan: {files} files, {len(findings)} findings")
    if report:
        with open(report, "w") as handle:
            json.dump({"files": files, "findings": findings}, handle, indent=2)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
