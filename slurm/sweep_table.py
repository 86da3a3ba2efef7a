#!/usr/bin/env python3
"""Gathers a scaling sweep's figures (slurm/scaling_sweep.sh) into one table.

    python3 slurm/sweep_table.py SWEEP_DIR

SWEEP_DIR holds, per rank count, a build job's log zyphyr-build-<id>.log and,
when the job got that far, its folder zyphyr-build-<id>/ with job.json and
bench/report.json. Writes SWEEP_DIR/summary.tsv, summary.md, summary.json and
(with gnuplot) scaling.png, prints summary.md, and exits 1 naming every job
that left no figures (with the end of its log), 0 otherwise.
Speed-ups are against the sweep's smallest rank count.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

COLUMNS = ["ranks", "threads_per_rank", "job_id", "rows", "build_s", "build_speedup", "mode", "ef", "recall",
           "qps", "qps_speedup", "p50_ms", "p99_ms", "scatter_s", "rank0_search_s", "gather_s", "merge_s",
           "oversubscribed"]


def load_points(sweep):
    """(points, failures): one dict per job that left figures, (job id, log) per job that did not."""
    points, failures = [], []
    for log in sorted(glob.glob(os.path.join(sweep, "zyphyr-build-*.log"))):
        job_id = re.search(r"zyphyr-build-(\d+)\.log$", log).group(1)
        folder = os.path.join(sweep, f"zyphyr-build-{job_id}")
        try:
            with open(os.path.join(folder, "job.json")) as f:
                job = json.load(f)
            with open(os.path.join(folder, job["bench_report"])) as f:
                report = json.load(f)
        except (OSError, KeyError, TypeError, ValueError):
            failures.append((job_id, log))
            continue
        points.append({"job": job, "report": report})
    points.sort(key=lambda p: p["job"]["ranks"])
    return points, failures


def rows_of(points):
    rows = []
    if not points:
        return rows
    base = points[0]
    base_qps = {(r["mode"], r["nprobe"], r["ef"]): r["qps"] for r in base["report"]["runs"]}
    for p in points:
        job, report = p["job"], p["report"]
        for run in report["runs"]:
            key = (run["mode"], run["nprobe"], run["ef"])
            s = run["seconds"]
            rows.append({
                "ranks": job["ranks"],
                "threads_per_rank": job["threads_per_rank"],
                "job_id": job["job_id"],
                "rows": job["rows"],
                "build_s": job["build_seconds"],
                "build_speedup": base["job"]["build_seconds"] / job["build_seconds"] if job["build_seconds"] else None,
                "mode": "broadcast" if run["mode"] == "broadcast" else f"nprobe {run['nprobe']}",
                "ef": run["ef"],
                "recall": run["recall"],
                "qps": run["qps"],
                "qps_speedup": run["qps"] / base_qps[key] if base_qps.get(key) else None,
                "p50_ms": run["latency_ms"]["p50"],
                "p99_ms": run["latency_ms"]["p99"],
                "scatter_s": s["scatter"],
                "rank0_search_s": s["rank0_search"],
                "gather_s": s["gather"],
                "merge_s": s["merge"],
                "oversubscribed": report["oversubscribed"],
            })
    return rows


def cell(value, column):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "recall":
        return f"{value:.4f}"
    if column == "qps":
        return f"{value:.0f}"
    if column.endswith("speedup"):
        return f"{value:.2f}x"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def write_plot(sweep, rows):
    """scaling.png: build time and QPS (broadcast, per ef) against ranks; False when gnuplot is missing."""
    if not rows or shutil.which("gnuplot") is None:
        return False
    efs = sorted({r["ef"] for r in rows if r["mode"] == "broadcast"})
    data = os.path.join(sweep, "scaling.dat")
    with open(data, "w") as f:
        f.write("# ranks build_s\n")
        for ranks in sorted({r["ranks"] for r in rows}):
            f.write(f"{ranks} {next(r['build_s'] for r in rows if r['ranks'] == ranks)}\n")
        for ef in efs:
            f.write(f"\n\n# ef {ef}: ranks qps recall\n")
            for r in rows:
                if r["mode"] == "broadcast" and r["ef"] == ef:
                    f.write(f"{r['ranks']} {r['qps']} {r['recall']}\n")
    script = os.path.join(sweep, "scaling.gp")
    plots = ", ".join(f"'{data}' index {i + 1} using 1:2 with linespoints lw 2 title 'ef {ef}'"
                      for i, ef in enumerate(efs))
    with open(script, "w") as f:
        f.write("set terminal pngcairo size 1200,500 font 'sans,10'\n")
        f.write(f"set output '{os.path.join(sweep, 'scaling.png')}'\n")
        f.write("set multiplot layout 1,2\nset grid\nset logscale x 2\nset xlabel 'ranks'\n")
        f.write("set title 'build time'\nset ylabel 'seconds'\n")
        f.write(f"plot '{data}' index 0 using 1:2 with linespoints lw 2 title 'build'\n")
        f.write("set title 'queries per second (broadcast)'\nset ylabel 'QPS'\n")
        f.write(f"plot {plots}\nunset multiplot\n")
    done = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"warning: gnuplot failed: {done.stderr.strip()}", file=sys.stderr)
        return False
    return True


def main(sweep):
    points, failures = load_points(sweep)
    rows = rows_of(points)
    with open(os.path.join(sweep, "summary.tsv"), "w") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(cell(r[c], c) for c in COLUMNS) + "\n")
    lines = [f"# Scaling sweep {os.path.basename(os.path.normpath(sweep))}", ""]
    if points:
        j = points[0]["job"]
        lines += [f"data {j['data']}, {j['rows']} rows, partition {j['partition']}, M {j['M']}, "
                  f"efConstruction {j['ef_construction']}, k {points[0]['report']['k']}, launcher {j['launcher']}", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for r in rows:
        lines.append("| " + " | ".join(cell(r[c], c) for c in COLUMNS) + " |")
    for job_id, log in failures:
        lines.append(f"\nFAILED: job {job_id} left no figures (log: {log})")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(sweep, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(sweep, "summary.json"), "w") as f:
        json.dump({"rows": rows, "failed_jobs": [job_id for job_id, _ in failures]}, f, indent=2)
        f.write("\n")
    plotted = write_plot(sweep, rows)
    print(text, end="")
    print(f"wrote {sweep}/summary.md, summary.tsv, summary.json" + (", scaling.png" if plotted else ""))
    if not points and not failures:
        print(f"error: {sweep}: no build job logs (zyphyr-build-*.log) found", file=sys.stderr)
        return 1
    for job_id, log in failures:
        print(f"error: job {job_id} left no figures; the end of {log}:", file=sys.stderr)
        with open(log, errors="replace") as f:
            for line in f.readlines()[-15:]:
                print("  " + line.rstrip(), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: sweep_table.py SWEEP_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
