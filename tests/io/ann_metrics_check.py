#!/usr/bin/python3
"""Reads Zyphyr's ann-benchmarks result files back the way ann-benchmarks does
and compares its figures with the ones the command printed.

The definitions re-implemented here, by name (erikbern/ann-benchmarks):
  runner.py, run_individual_query: in batch mode the whole batch is timed
    once and every query's entry in `times` is that total / number of
    queries; best_search_time = sum(times) / number of queries (the best of
    the runs); in single-query mode `times` holds each query's own latency.
  runner.py, run: build_time = wall time of fit; index_size = memory usage in
    kB (RSS / 1024) after fit minus before it.
  plotting/metrics.py: "qps" = 1 / best_search_time; "build" = build_time;
    "indexsize" = index_size; "k-nn" recall = get_recall_values with
    knn_threshold: a returned distance (the file's `distances`, first `count`
    of them) is a hit when <= the dataset's true distance of the count-th
    neighbour + 1e-3, recall = mean hits / count; the latency percentiles
    ("p50", "p95", "p99", "p999") = numpy.percentile of `times`, in ms.

Usage:
  ann_metrics_check.py search --dataset D.hdf5 --out R.hdf5 --index DIR
      [--mpirun MPIEXEC --np N] -- zyphyr search ... --out R.hdf5
    runs the command (under `MPIEXEC --oversubscribe -np N` when given),
    parses its "searched ..." line and checks R.hdf5 (batch mode).
  ann_metrics_check.py bench --dataset D.hdf5 --report DIR
    checks every result file that DIR/report.json (zyphyr bench) lists
    against that run's figures (single-query mode).
Prints one "ok: ..." line per file checked; exits 1 with "FAIL: ..." lines.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys

import h5py
import numpy

KNN_EPSILON = 1e-3  # plotting/metrics.py, get_recall_values' default.
QPS_TOLERANCE = 0.002  # 0.2%.

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def ann_benchmarks_metrics(result, dataset):
    """The figures ann-benchmarks' plotting computes from one result file."""
    attrs = result.attrs
    count = int(attrs["count"])
    times = numpy.array(result["times"], dtype=numpy.float64)
    run_distances = numpy.array(result["distances"])
    true_distances = numpy.array(dataset["distances"])
    hits = []
    for i in range(len(run_distances)):
        threshold = true_distances[i][count - 1] + KNN_EPSILON
        hits.append(sum(1 for d in run_distances[i][:count] if d <= threshold))
    return {
        "count": count,
        "times": times,
        "recall": float(numpy.mean(hits)) / count,
        "qps": 1.0 / float(attrs["best_search_time"]),
        "build": float(attrs["build_time"]),
        "indexsize": float(attrs["index_size"]),
        "batch_mode": bool(attrs["batch_mode"]),
        "percentiles_ms": [float(numpy.percentile(times, p)) * 1e3 for p in (50, 95, 99, 99.9)],
    }


def check_distances(result, dataset, where):
    """The file's distances are the ones ann-benchmarks' runner records: the
    dataset metric's distance of each returned train row to its query."""
    metric = text(dataset.attrs["distance"])
    if text(result.attrs["distance"]) != metric:
        fail(f"{where}: attribute 'distance' is {text(result.attrs['distance'])!r}, the dataset's is {metric!r}")
    if metric not in ("euclidean", "angular"):
        return
    train = numpy.array(dataset["train"], dtype=numpy.float64)
    test = numpy.array(dataset["test"], dtype=numpy.float64)
    neighbors = numpy.array(result["neighbors"])
    distances = numpy.array(result["distances"], dtype=numpy.float64)
    for q in range(len(neighbors)):
        for j, idx in enumerate(neighbors[q]):
            if idx < 0:
                continue
            a, b = test[q], train[idx]
            if metric == "euclidean":
                expected = float(numpy.linalg.norm(a - b))
            else:
                expected = 1.0 - float(numpy.dot(a, b) / (numpy.linalg.norm(a) * numpy.linalg.norm(b)))
            if abs(expected - distances[q][j]) > 1e-3:
                fail(f"{where}: query {q}, neighbour {j} (row {idx}): distance {distances[q][j]}, "
                     f"recomputed {expected}")
                return


def check_common(m, result, dataset, where, printed_qps, qps_rounding):
    times = m["times"]
    queries = len(numpy.array(dataset["test"]))
    if len(times) != queries:
        fail(f"{where}: {len(times)} times for {queries} queries")
    best = float(result.attrs["best_search_time"])
    if not (best > 0 and math.isfinite(best)):
        fail(f"{where}: best_search_time is {best}")
        return
    # best_search_time is the mean of `times` (float32 in the file).
    if abs(float(numpy.mean(times)) - best) > 1e-5 * best:
        fail(f"{where}: mean of times {numpy.mean(times)} s, best_search_time {best} s")
    tolerance = max(QPS_TOLERANCE * printed_qps, qps_rounding)
    if abs(m["qps"] - printed_qps) > tolerance:
        fail(f"{where}: ann-benchmarks QPS (1 / best_search_time) {m['qps']:.1f}, printed {printed_qps}")
    p = m["percentiles_ms"]
    if not (0 < p[0] <= p[1] <= p[2] <= p[3] <= float(numpy.max(times)) * 1e3 + 1e-9):
        fail(f"{where}: latency percentiles p50/p95/p99/p99.9 {p} ms are not increasing and positive")
    if not (m["build"] > 0 and math.isfinite(m["build"])):
        fail(f"{where}: build_time is {m['build']} (ann-benchmarks' build-time plots need the seconds)")
    if not (m["indexsize"] > 0 and math.isfinite(m["indexsize"])):
        fail(f"{where}: index_size is {m['indexsize']}")
    if text(result.attrs["dataset"]) != os.path.basename(dataset.filename).removesuffix(".hdf5"):
        fail(f"{where}: attribute 'dataset' is {text(result.attrs['dataset'])!r}")
    check_distances(result, dataset, where)


def check_search(args, command):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if args.np:
        command = [args.mpirun, "--oversubscribe", "-np", str(args.np)] + command
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    print(run.stdout + run.stderr, end="")
    if run.returncode != 0:
        fail(f"{' '.join(command)}: exit status {run.returncode}")
        return
    line = re.search(r"^searched (\d+) quer(?:y|ies): k (\d+), .*, (\d+) QPS, recall@(\d+) ([0-9.]+); wrote (.*)$",
                     run.stdout, re.MULTILINE)
    if not line:
        fail("no 'searched ... QPS, recall@k R; wrote FILE' line in the output")
        return
    printed_qps = float(line.group(3))
    printed_recall = line.group(5)
    with h5py.File(args.out, "r") as result, h5py.File(args.dataset, "r") as dataset:
        where = args.out
        m = ann_benchmarks_metrics(result, dataset)
        # The printed QPS is rounded to an integer.
        check_common(m, result, dataset, where, printed_qps, 0.5)
        if not m["batch_mode"]:
            fail(f"{where}: batch_mode is false; the ranks search batches (ann-benchmarks' batch mode)")
        times = m["times"]
        if float(numpy.max(times) - numpy.min(times)) > 1e-6 * float(numpy.max(times)):
            fail(f"{where}: batch mode records every query as total / queries, but times range over "
                 f"[{numpy.min(times)}, {numpy.max(times)}] s")
        decimals = len(printed_recall.split(".")[1]) if "." in printed_recall else 0
        if f"{m['recall']:.{decimals}f}" != printed_recall:
            fail(f"{where}: ann-benchmarks recall {m['recall']:.5f}, printed {printed_recall}")
        manifest_path = os.path.join(args.index, "manifest.json")
        with open(manifest_path) as f:
            manifest = json.load(f)
        if "build_seconds" not in manifest:
            fail(f"{manifest_path}: no field 'build_seconds'")
        elif m["build"] != manifest["build_seconds"]:
            fail(f"{where}: build_time {m['build']}, {manifest_path} says build_seconds {manifest['build_seconds']}")
        shard_kb = sum(s["bytes"] for s in manifest["shards"]) / 1024
        if m["indexsize"] > shard_kb:
            fail(f"{where}: index_size {m['indexsize']} kB exceeds the shard files' {shard_kb} kB")
        if not failures:
            print(f"ok: {where}: QPS {m['qps']:.1f} (printed {line.group(3)}), recall {m['recall']:.5f} "
                  f"(printed {printed_recall}), build_time {m['build']:.3f} s, index_size {m['indexsize']:.1f} kB, "
                  f"batch_mode true")


def check_bench(args):
    with open(os.path.join(args.report, "report.json")) as f:
        report = json.load(f)
    checked = 0
    with h5py.File(args.dataset, "r") as dataset:
        for engine in report["engines"]:
            for run in engine["runs"]:
                where = run["result_file"]
                with h5py.File(where, "r") as result:
                    m = ann_benchmarks_metrics(result, dataset)
                    check_common(m, result, dataset, where, run["qps_single_thread"], 0.0)
                    if m["batch_mode"]:
                        fail(f"{where}: batch_mode is true; zyphyr bench times one query at a time")
                    if abs(m["recall"] - run["recall"]) > 0.5e-5:
                        fail(f"{where}: ann-benchmarks recall {m['recall']:.5f}, printed {run['recall']:.5f}")
                    mean_us = float(numpy.mean(m["times"])) * 1e6
                    if abs(mean_us - run["latency"]["mean_us"]) > 1e-5 * mean_us:
                        fail(f"{where}: mean of times {mean_us} us, printed mean {run['latency']['mean_us']} us")
                    if m["build"] != engine["build_seconds"]:
                        fail(f"{where}: build_time {m['build']}, printed {engine['build_seconds']}")
                    if m["indexsize"] != engine["index_bytes"] / 1024:
                        fail(f"{where}: index_size {m['indexsize']} kB, printed {engine['index_bytes']} bytes")
                    checked += 1
                    if not failures:
                        print(f"ok: {where}: QPS {m['qps']:.1f} (printed {run['qps_single_thread']:.1f}), "
                              f"recall {m['recall']:.5f} (printed {run['recall']:.5f})")
    if checked == 0:
        fail(f"{args.report}/report.json lists no result files")


def main():
    argv = sys.argv[1:]
    command = []
    if "--" in argv:
        at = argv.index("--")
        argv, command = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["search", "bench"])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--out")
    parser.add_argument("--index")
    parser.add_argument("--report")
    parser.add_argument("--mpirun", default="mpirun")
    parser.add_argument("--np", type=int, default=0)
    args = parser.parse_args(argv)
    if args.mode == "search":
        if not command or not args.out or not args.index:
            parser.error("search needs --out, --index and -- COMMAND")
        if os.path.exists(args.out):
            os.remove(args.out)
        check_search(args, command)
    else:
        if not args.report:
            parser.error("bench needs --report")
        check_bench(args)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
