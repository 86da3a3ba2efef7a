#!/usr/bin/env python3
"""An ann-benchmarks HDF5 file for raw inner product with widely varying norms.

Points of a mixture of isotropic Gaussians (centres N(0, 1), points N(centre,
0.4^2), as src/data/synthetic.h's ClusteredGaussian), each train row then
scaled by a factor drawn log-uniformly in [1/spread, spread]; queries from the
same mixture, unscaled (a query's norm does not change its ranking). Writes
'train' and 'test' with attribute distance='ip'; add the ground truth with
`zyphyr dataset groundtruth --data OUT`.

  /usr/bin/python3 scripts/ip_norm_spread.py --n 100000 --dim 64 --queries 1000 \
      --clusters 32 --spread 10 --seed 3 --out /tmp/ip.hdf5
"""
import argparse

import h5py
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100000)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--clusters", type=int, default=32)
    p.add_argument("--spread", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--query-dist", choices=["mixture", "isotropic"], default="mixture",
                   help="queries from the data's mixture, or N(0, I) (directions unrelated to the clusters)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    centres = rng.normal(0.0, 1.0, (a.clusters, a.dim))

    def points(count):
        c = rng.integers(0, a.clusters, count)
        return centres[c] + rng.normal(0.0, 0.4, (count, a.dim))

    train = points(a.n)
    train *= np.exp(rng.uniform(-np.log(a.spread), np.log(a.spread), (a.n, 1)))
    test = points(a.queries) if a.query_dist == "mixture" else rng.normal(0.0, 1.0, (a.queries, a.dim))
    with h5py.File(a.out, "w") as f:
        f.attrs["distance"] = "ip"
        f.create_dataset("train", data=train.astype(np.float32))
        f.create_dataset("test", data=test.astype(np.float32))


if __name__ == "__main__":
    main()
