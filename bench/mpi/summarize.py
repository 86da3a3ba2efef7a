#!/usr/bin/env python3
"""Gathers bench/mpi/scaling.sh's build times and bench reports into one
markdown table (stdout): per dataset, scaling kind, rank count and ef."""
import csv
import json
import os
import sys


def main(out):
    builds = {}
    with open(os.path.join(out, "builds.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            builds[(row["set"], row["scaling"], row["ranks"])] = row
    print("| set | scaling | ranks | partition | rows | build s | oversubscribed | mode | ef | recall@k | QPS |"
          " p50 ms | p99 ms | scatter s | rank 0 search s | gather s | merge s | busiest other rank search s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(builds, key=lambda k: (k[0], k[1], int(k[2]))):
        report = os.path.join(out, "-".join(key), "report.json")
        if not os.path.exists(report):
            continue
        with open(report) as f:
            r = json.load(f)
        b = builds[key]
        for run in r.get("runs", []):
            s = run["seconds"]
            mode = "broadcast" if run["mode"] == "broadcast" else f"nprobe {run['nprobe']}"
            print(f"| {key[0]} | {key[1]} | {key[2]} | {r['partition']} | {b['rows']} | {b['build_s']} | "
                  f"{'yes' if r['oversubscribed'] else 'no'} | {mode} | {run['ef']} | {run['recall']:.4f} | "
                  f"{run['qps']:.0f} | {run['latency_ms']['p50']:.3f} | {run['latency_ms']['p99']:.3f} | "
                  f"{s['scatter']:.3f} | {s['rank0_search']:.3f} | {s['gather']:.3f} | {s['merge']:.3f} | "
                  f"{s['other_ranks_search_max']:.3f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "reports/scaling")
