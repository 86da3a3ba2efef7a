# The float sets of issue 21's measurements, sourced by float_sets_run.sh and
# same_graph_recall.sh (which set $zyphyr):
#   emb-256-euclidean       100,000 x 256, 64 clusters each spanning a random
#                           32-dimensional subspace plus noise (embedding-like)
#   glove-like-100-angular  200,000 x 100, 16 isotropic clusters, cosine
#                           (GloVe's shape and metric, and about its difficulty:
#                           recall 0.95 needs ef near 100)
#   clustered-100-angular   200,000 x 100, 256 clusters in 24-dimensional
#                           subspaces, cosine (an easy set: 0.94 at ef 10)
#   gist-like-960-euclidean  50,000 x 960, 32 clusters in 64-dimensional
#                           subspaces (GIST's dimension)
# The generator draws the train rows by block from the seed alone, so a set
# made with more queries has the same train rows and its first queries are
# the same too.
float_sets_all="emb-256-euclidean glove-like-100-angular gist-like-960-euclidean clustered-100-angular"

# make_float_set NAME QUERIES: writes NAME.hdf5 in the current directory.
make_float_set() {
  local name=$1 queries=$2
  case "$name" in
    emb-256-euclidean) set -- --n 100000 --dim 256 --clusters 64 --intrinsic-dim 32 --seed 7 ;;
    glove-like-100-angular) set -- --n 200000 --dim 100 --clusters 16 --metric cosine --seed 11 ;;
    clustered-100-angular) set -- --n 200000 --dim 100 --clusters 256 --intrinsic-dim 24 --metric cosine --seed 11 ;;
    gist-like-960-euclidean) set -- --n 50000 --dim 960 --clusters 32 --intrinsic-dim 64 --seed 13 ;;
    *) echo "unknown set $name" >&2; exit 2 ;;
  esac
  "$zyphyr" dataset synthetic "$@" --queries "$queries" --out "$name.hdf5"
}
