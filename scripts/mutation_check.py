#!/usr/bin/env python3
"""Mutation check: plants each bug listed in scripts/mutations.txt in a scratch copy of the
repository, one at a time, and reports whether the checks catch it.

    scripts/mutation_check.py [--quick] [--only ID ...] [--json FILE] [--scratch DIR]

Stages, in order, until one fails (the mutation is then "caught" by that stage):
  build   `swift build --build-tests` (a mutation that does not compile is an error in the list)
  tests   `swift test --skip-build` (the whole suite)
  cli     `scripts/cli-checks.sh` with the debug `encore`
  server  `swift test --package-path Server` (only for mutations tagged `server`; its build
          must succeed, like the first one)
A stage that runs longer than its timeout counts as catching the mutation (a hang is a
failure any user would see).

The list's format, one block per mutation:

    [id] folder tags...
    file: path/in/repo
    - exact text to replace (must occur exactly once in the file)
    + its replacement
    (consecutive '-' lines, and '+' lines, are one multi-line text, indentation included;
    a line of just '+' is an empty line; more -/+ pairs may follow)
    why: for mutations expected to survive, why that is harmless

Tags: `quick` puts a mutation in the subset CI runs; `server` adds the server stage;
`survives` marks a mutation expected to survive (with a `why:` line); `needs-bf16` and
`needs-avx512` mark mutations of code that runs only on CPUs with AVX512_BF16 or AVX-512:
skipped, with a line saying so, on other CPUs.
Exit status: 0 when every mutation not marked `survives` is caught, 1 otherwise, 2 when the
list is wrong (a text that does not occur exactly once, a mutation that does not compile).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_list(path):
    mutations, current = [], None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("["):
                head, _, rest = line.partition("]")
                words = rest.split()
                current = {"id": head[1:], "folder": words[0] if words else "?", "tags": set(words[1:]),
                           "file": None, "edits": [], "why": None, "line": number}
                mutations.append(current)
            elif current is None:
                sys.exit(f"{path}:{number}: text before the first [id]")
            elif line.startswith("file: "):
                current["file"] = line[6:].strip()
            elif line.startswith("why: "):
                current["why"] = line[5:].strip()
            elif line.startswith("- "):
                # Consecutive '-' lines are one multi-line text; a '-' after a '+' starts a new edit.
                if current["edits"] and current["edits"][-1][1] is None:
                    current["edits"][-1][0] += "\n" + line[2:]
                else:
                    current["edits"].append([line[2:], None])
            elif line.startswith("+ ") or line == "+":
                if not current["edits"]:
                    sys.exit(f"{path}:{number}: '+' without a '-' before it")
                edit = current["edits"][-1]
                edit[1] = line[2:] if edit[1] is None else edit[1] + "\n" + line[2:]
            else:
                sys.exit(f"{path}:{number}: cannot read '{line}'")
    for m in mutations:
        if not m["file"] or not m["edits"] or any(e[1] is None for e in m["edits"]):
            sys.exit(f"{path}:{m['line']}: [{m['id']}] needs a file and complete -/+ pairs")
        if "survives" in m["tags"] and not m["why"]:
            sys.exit(f"{path}:{m['line']}: [{m['id']}] is marked 'survives' without a 'why:'")
    ids = [m["id"] for m in mutations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"{path}: duplicate ids {sorted(duplicates)}")
    return mutations


# Tags that name CPU features a mutation's code needs: (the /proc/cpuinfo flag, its name).
NEEDS = {"needs-bf16": ("avx512_bf16", "AVX512_BF16"), "needs-avx512": ("avx512f", "AVX-512")}


def cpu_flags():
    """The CPU's feature flags (empty where /proc/cpuinfo is missing: then nothing is skipped
    that needs no flag, and every `needs-*` mutation is)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def apply(m, source):
    text = source
    for old, new in m["edits"]:
        count = text.count(old)
        if count != 1:
            return None, f"'{old.strip()}' occurs {count} times in {m['file']}"
        text = text.replace(old, new)
    return text, None


def copy_tree(scratch):
    """Copies the repository's files (tracked and untracked, not ignored) into `scratch`,
    keeping its .build folders so that builds stay incremental between runs."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    wanted = {f for f in files if f and os.path.isfile(os.path.join(ROOT, f))}
    for folder, dirs, names in os.walk(scratch):
        dirs[:] = [d for d in dirs if not d.startswith(".build")]
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), scratch)
            if rel not in wanted:
                os.remove(os.path.join(folder, name))
    for f in wanted:
        src, dst = os.path.join(ROOT, f), os.path.join(scratch, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copy2(src, dst)
    return wanted


def run(command, cwd, timeout, log):
    start = time.time()
    try:
        p = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        output, code = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        output, code = (e.stdout or b"").decode(errors="replace") + f"\n(timed out after {timeout}s)", "timeout"
    with open(log, "a") as f:
        f.write(f"$ {' '.join(command)}  ({time.time() - start:.0f}s, exit {code})\n{output[-20000:]}\n")
    return code, output


def first_failure(output):
    failed = []
    for line in output.splitlines():
        if ": error: " in line and "Tests" in line:
            name = line.split(": error: ", 1)[1].split(" : ")[0].strip()[:100]
            if name not in failed:
                failed.append(name)
    if failed:
        return failed[0] + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "")
    lines = [l.strip() for l in output.splitlines() if l.strip()]
    for line in lines:
        if "error" in line.lower() or "expected" in line.lower() or "should" in line.lower():
            return line[:100]
    return lines[-1][:100] if lines else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the mutations tagged quick (CI's subset)")
    parser.add_argument("--only", nargs="*", default=[], help="only these mutation ids")
    parser.add_argument("--list", default=os.path.join(ROOT, "scripts/mutations.txt"))
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--check-list", action="store_true", help="only check that every mutation applies, then stop")
    parser.add_argument("--scratch", default="/tmp/encore-mutants", help="scratch copy (kept for incremental builds)")
    parser.add_argument("--in-place", action="store_true",
                        help="mutate this checkout itself (restoring each file afterwards), reusing its debug build: "
                             "for CI's throwaway clone, never for a working tree")
    args = parser.parse_args()

    mutations = parse_list(args.list)
    if args.quick:
        mutations = [m for m in mutations if "quick" in m["tags"]]
    if args.only:
        unknown = set(args.only) - {m["id"] for m in mutations}
        if unknown:
            sys.exit(f"unknown mutation ids: {sorted(unknown)}")
        mutations = [m for m in mutations if m["id"] in args.only]

    # A mutation planted in code that runs only on some CPUs (the bf16 dot-product GEMM on
    # AVX512_BF16, B read in place on AVX-512) cannot be caught elsewhere: skip it, and say so.
    flags = cpu_flags()
    skipped = [m for m in mutations if any(tag in m["tags"] and NEEDS[tag][0] not in flags for tag in NEEDS)]
    if skipped:
        for m in skipped:
            need = next(NEEDS[t][1] for t in NEEDS if t in m["tags"] and NEEDS[t][0] not in flags)
            print(f"skipped [{m['id']}]: its code runs only on CPUs with {need}, which this one lacks")
        mutations = [m for m in mutations if m not in skipped]

    # Check the whole list before spending any time on builds.
    for m in mutations:
        path = os.path.join(ROOT, m["file"])
        if not os.path.isfile(path):
            print(f"[{m['id']}] {m['file']} does not exist"); sys.exit(2)
        _, problem = apply(m, open(path, encoding="utf-8").read())
        if problem:
            print(f"[{m['id']}] {problem}"); sys.exit(2)
    if args.check_list:
        folders = sorted({m["folder"] for m in mutations})
        print(f"{len(mutations)} mutations apply cleanly; folders: {', '.join(folders)}; "
              f"quick: {sum('quick' in m['tags'] for m in mutations)}")
        return

    if args.in_place:
        scratch = ROOT
        touched = sorted({m["file"] for m in mutations})
        if subprocess.run(["git", "status", "--porcelain", "--"] + touched, cwd=ROOT, capture_output=True).stdout:
            sys.exit("--in-place needs the mutated files without uncommitted changes (it restores them from memory)")
    else:
        scratch = args.scratch
        os.makedirs(scratch, exist_ok=True)
        copy_tree(scratch)
    log = os.path.join(scratch, ".build", "mutation-check.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    open(log, "w").close()
    print(f"{len(mutations)} mutations; scratch copy {scratch}; log {log}", flush=True)
    code, output = run(["swift", "build", "--build-tests"], scratch, 1800, log)
    if code != 0:
        print("the unmutated copy does not build:\n" + output[-3000:]); sys.exit(2)
    code, output = run(["swift", "test", "--skip-build"], scratch, 1800, log)
    if code != 0:
        print("the unmutated suite fails; fix it first:\n" + first_failure(output)); sys.exit(2)
    server_built = False

    results, started = [], time.time()
    for n, m in enumerate(mutations, 1):
        path = os.path.join(scratch, m["file"])
        original = open(path, encoding="utf-8").read()
        mutated, _ = apply(m, original)
        t0 = time.time()
        with open(log, "a") as f:
            f.write(f"\n===== [{m['id']}] {m['file']}\n")
        verdict, stage, detail = "survived", "", ""
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(mutated)
            # Code in the Server package is invisible to the core's build, tests and CLI.
            server_only = m["file"].startswith("Server/")
            stages = [] if server_only else [("tests", ["swift", "test", "--skip-build"], 900),
                                             ("cli", ["bash", "scripts/cli-checks.sh", ".build/debug/encore"], 600)]
            if not server_only:
                code, output = run(["swift", "build", "--build-tests"], scratch, 1200, log)
                if code != 0:
                    print(f"[{m['id']}] does not compile:\n" + "\n".join(l for l in output.splitlines() if "error:" in l)[:2000])
                    sys.exit(2)
            if "server" in m["tags"]:
                stages.append(("server", ["swift", "test", "--skip-build", "--package-path", "Server"], 900))
            for name, command, timeout in stages:
                if name == "server":
                    # The Server package builds separately; a build failure is the list's fault.
                    code, output = run(["swift", "build", "--build-tests", "--package-path", "Server"], scratch, 1800, log)
                    if code != 0:
                        print(f"[{m['id']}] the Server package does not compile:\n"
                              + "\n".join(l for l in output.splitlines() if "error:" in l)[:2000])
                        sys.exit(2)
                code, output = run(command, scratch, timeout, log)
                if code != 0:
                    verdict, stage, detail = "caught", name, ("timed out" if code == "timeout" else first_failure(output))
                    break
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        seconds = time.time() - t0
        expected = "survives" in m["tags"]
        mark = {("caught", False): "caught", ("survived", False): "SURVIVED",
                ("survived", True): "survived (expected)", ("caught", True): "caught (was expected to survive)"}[(verdict, expected)]
        print(f"{n:3}/{len(mutations)} [{m['id']}] {m['folder']}: {mark}" + (f" by {stage}: {detail}" if stage else "")
              + f" ({seconds:.0f}s)", flush=True)
        results.append({"id": m["id"], "folder": m["folder"], "file": m["file"], "verdict": verdict, "stage": stage,
                         "detail": detail, "expected_to_survive": expected, "why": m["why"], "seconds": round(seconds, 1)})

    caught = sum(r["verdict"] == "caught" for r in results)
    unexpected = [r for r in results if r["verdict"] == "survived" and not r["expected_to_survive"]]
    score = caught / len(results) if results else 1.0
    print(f"mutation score: {caught}/{len(results)} caught ({100 * score:.1f}%) in {(time.time() - started) / 60:.1f} min")
    for r in results:
        if r["verdict"] == "survived":
            print(f"  survivor [{r['id']}] ({r['file']}): {r['why'] or 'NOT EXPECTED: add a test that catches it'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"caught": caught, "total": len(results), "score": score, "results": results}, f, indent=1)
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
