// Example manifests for the tests of storage/index_manifest.h: valid ones,
// which each test edits in the fields it is about.
#ifndef ZYPHYR_TESTS_STORAGE_EXAMPLE_MANIFEST_H_
#define ZYPHYR_TESTS_STORAGE_EXAMPLE_MANIFEST_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "builder/new_index.h"
#include "storage/index_manifest.h"

namespace zyphyr::testing {

// Shard `number` of `generation` holding `rows` rows with ids in [begin, end):
// uid 0x1000 + number, 65536 bytes, header checksum 0xabcd0000 + number.
inline ManifestShard ExampleShard(std::size_t number, std::uint64_t generation, std::uint64_t rows, std::uint64_t begin,
                                  std::uint64_t end) {
  ManifestShard s;
  s.file = ShardFileName(number, generation);
  s.log = ShardLogName(number, generation);
  s.uid = 0x1000 + number;
  s.rows = rows;
  s.id_begin = begin;
  s.id_end = end;
  s.bytes = 65536;
  s.header_crc32c = 0xabcd0000u + static_cast<std::uint32_t>(number);
  return s;
}

// A range-partitioned manifest of generation `generation` over `shards` of
// `dim`-dimensional l2 rows, M 8, efConstruction 64, seed 7, source
// "syn.hdf5"; its rows and next_id counted from the shards as a build counts
// them (AddShards).
inline IndexManifest ExampleManifest(std::size_t dim, std::uint64_t generation, std::vector<ManifestShard> shards) {
  IndexManifest m;
  m.dim = dim;
  m.M = 8;
  m.ef_construction = 64;
  m.seed = 7;
  m.generation = generation;
  m.source = "syn.hdf5";
  AddShards(std::move(shards), &m);
  return m;
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_EXAMPLE_MANIFEST_H_
