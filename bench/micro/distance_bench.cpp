// Distance-kernel throughput per ISA, in cache and from memory.
//
// Every ISA the host supports is registered, named "<kernel>/<isa>/<dim>"
// ("l2_sq/avx512/784"); the "/mem" variants walk a 64 MiB array of rows in a
// random order, as an HNSW search does, instead of a few cache-resident rows.
// bytes_per_second counts every operand byte a call reads, the query
// included (one query per pair call, one per four rows in a batch call);
// items_per_second counts distances.
//
// The int8 kernels ("l2_sq_u8", "dot_u8") run on uint8 codes, one byte per
// dimension, in the same layouts; on an AVX-512 host both of their variants
// are registered, "avx512" (BW) and "avx512_vnni", though dispatch hands out
// only one.
//
// The product-quantization ADC loops ("pq_table_distances/m<m>/batch32",
// "pq_l2_table/<dim>/m<m>", "pq_dot_table/<dim>/m<m>") are scalar code compiled
// at the baseline ISA, so they are registered once, not per ISA.
// pq_table_distances sums one table over a batch of 32 consecutive codes (a
// neighbour list's codes), cycling through 4096 random codes (256 KiB at
// m = 64: L2); items_per_second counts codes. The tables come from a
// quantizer trained briefly on random rows, outside the timed loop.
//
// Registration runs during static initialisation but executes no SIMD: it only
// reads cpuid and takes the addresses of the kernel tables.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "src/core/aligned_buffer.h"
#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"
#include "src/distance/kernels.h"
#include "src/quant/product_quantizer.h"

namespace zyphyr {
namespace {

constexpr std::size_t kDims[] = {96, 128, 784, 960};
constexpr std::size_t kCacheRows = 8;  // At 960 dims, 8 rows + query ~ 35 KiB: L1/L2.
constexpr std::size_t kMemoryBytes = std::size_t{64} << 20;
constexpr std::size_t kBatchRows = 4;

void FillRandom(float* data, std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (std::size_t i = 0; i < count; ++i) data[i] = uniform(rng);
}

// 64 MiB of random floats, filled on first use and shared by every "/mem"
// benchmark; each views it as rows of its own dimension.
const AlignedBuffer<float>& MemoryRows() {
  static const AlignedBuffer<float> rows = [] {
    AlignedBuffer<float> buffer(kMemoryBytes / sizeof(float));
    FillRandom(buffer.data(), buffer.size(), 2);
    return buffer;
  }();
  return rows;
}

// A query plus the row pointers a benchmark cycles through. Dimensions are
// multiples of 16, so every row starts on a 64-byte boundary like a
// VectorStore row.
struct Workload {
  AlignedBuffer<float> query;
  AlignedBuffer<float> cache_rows;  // Empty for "/mem".
  std::vector<const float*> rows;   // A multiple of kBatchRows.
};

Workload MakeWorkload(std::size_t dim, bool from_memory) {
  Workload w;
  w.query = AlignedBuffer<float>(dim);
  FillRandom(w.query.data(), dim, 1);
  if (from_memory) {
    const AlignedBuffer<float>& memory = MemoryRows();
    const std::size_t count = memory.size() / dim / kBatchRows * kBatchRows;
    for (std::size_t r = 0; r < count; ++r) w.rows.push_back(memory.data() + r * dim);
    std::shuffle(w.rows.begin(), w.rows.end(), std::mt19937(3));
  } else {
    w.cache_rows = AlignedBuffer<float>(kCacheRows * dim);
    FillRandom(w.cache_rows.data(), w.cache_rows.size(), 4);
    for (std::size_t r = 0; r < kCacheRows; ++r) w.rows.push_back(w.cache_rows.data() + r * dim);
  }
  return w;
}

void FillRandomCodes(std::uint8_t* data, std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t i = 0; i < count; ++i) data[i] = static_cast<std::uint8_t>(byte(rng));
}

// 64 MiB of random codes for the int8 "/mem" benchmarks.
const AlignedBuffer<std::uint8_t>& MemoryCodes() {
  static const AlignedBuffer<std::uint8_t> codes = [] {
    AlignedBuffer<std::uint8_t> buffer(kMemoryBytes);
    FillRandomCodes(buffer.data(), buffer.size(), 2);
    return buffer;
  }();
  return codes;
}

struct CodeWorkload {
  AlignedBuffer<std::uint8_t> query;
  AlignedBuffer<std::uint8_t> cache_rows;  // Empty for "/mem".
  std::vector<const std::uint8_t*> rows;
};

CodeWorkload MakeCodeWorkload(std::size_t dim, bool from_memory) {
  CodeWorkload w;
  w.query = AlignedBuffer<std::uint8_t>(dim);
  FillRandomCodes(w.query.data(), dim, 1);
  if (from_memory) {
    const AlignedBuffer<std::uint8_t>& memory = MemoryCodes();
    const std::size_t count = memory.size() / dim;
    for (std::size_t r = 0; r < count; ++r) w.rows.push_back(memory.data() + r * dim);
    std::shuffle(w.rows.begin(), w.rows.end(), std::mt19937(3));
  } else {
    w.cache_rows = AlignedBuffer<std::uint8_t>(kCacheRows * dim);
    FillRandomCodes(w.cache_rows.data(), w.cache_rows.size(), 4);
    for (std::size_t r = 0; r < kCacheRows; ++r) w.rows.push_back(w.cache_rows.data() + r * dim);
  }
  return w;
}

void RunPairU8(benchmark::State& state, U8PairKernel kernel, std::size_t dim, bool from_memory) {
  const CodeWorkload w = MakeCodeWorkload(dim, from_memory);
  std::size_t next = 0;
  for (auto _ : state) {
    std::uint32_t d = kernel(w.query.data(), w.rows[next], dim);
    benchmark::DoNotOptimize(d);
    if (++next == w.rows.size()) next = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * dim));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The tables whose int8 kernels are measured under `isa`'s name: for avx512,
// the BW one and, where the host has VNNI, the VNNI one.
std::vector<std::pair<std::string, const DistanceKernels*>> Int8Variants(Isa isa, const DistanceKernels* k) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx512) {
    std::vector<std::pair<std::string, const DistanceKernels*>> out = {{"avx512", &Avx512Kernels()}};
    if (DetectCpuFeatures().avx512_vnni) out.emplace_back("avx512_vnni", &Avx512VnniKernels());
    return out;
  }
#endif
  return {{std::string(IsaName(isa)), k}};
}

void RunPair(benchmark::State& state, PairKernel kernel, std::size_t dim, bool from_memory) {
  const Workload w = MakeWorkload(dim, from_memory);
  std::size_t next = 0;
  for (auto _ : state) {
    float d = kernel(w.query.data(), w.rows[next], dim);
    benchmark::DoNotOptimize(d);
    if (++next == w.rows.size()) next = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * dim * sizeof(float)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void RunBatch(benchmark::State& state, BatchKernel kernel, std::size_t dim, bool from_memory) {
  const Workload w = MakeWorkload(dim, from_memory);
  float out[kBatchRows];
  std::size_t next = 0;
  for (auto _ : state) {
    kernel(w.query.data(), w.rows.data() + next, kBatchRows, dim, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
    next += kBatchRows;
    if (next == w.rows.size()) next = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (kBatchRows + 1) * dim * sizeof(float)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatchRows));
}

// A quantizer of `m` sub-spaces over `dim` dimensions trained briefly on
// random rows: its tables and codes are what is measured, not its quality.
ProductQuantizer BenchQuantizer(std::size_t dim, std::size_t m) {
  std::vector<float> rows(2 * ProductQuantizer::kCentroids * dim);
  FillRandom(rows.data(), rows.size(), 5);
  ProductQuantizerOptions options;
  options.m = m;
  options.iterations = 1;
  options.threads = 0;
  return std::move(ProductQuantizer::Train(rows, dim, options)).value();
}

constexpr std::size_t kPqBatchCodes = 32;
constexpr std::size_t kPqPoolCodes = 4096;

void RunPqTableDistances(benchmark::State& state, std::size_t m) {
  const ProductQuantizer pq = BenchQuantizer(2 * m, m);
  AlignedBuffer<float> query(pq.dim());
  FillRandom(query.data(), query.size(), 1);
  AlignedBuffer<float> table(m * ProductQuantizer::kCentroids);
  pq.ComputeL2Table(query.data(), table.data());
  AlignedBuffer<std::uint8_t> codes(kPqPoolCodes * m);
  FillRandomCodes(codes.data(), codes.size(), 6);
  float out[kPqBatchCodes];
  std::size_t next = 0;
  for (auto _ : state) {
    pq.TableDistances(table.data(), codes.data() + next * m, kPqBatchCodes, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
    next += kPqBatchCodes;
    if (next == kPqPoolCodes) next = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kPqBatchCodes * m));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPqBatchCodes));
}

void RunPqTable(benchmark::State& state, std::size_t dim, std::size_t m, bool dot) {
  const ProductQuantizer pq = BenchQuantizer(dim, m);
  AlignedBuffer<float> query(dim);
  FillRandom(query.data(), dim, 1);
  AlignedBuffer<float> table(m * ProductQuantizer::kCentroids);
  for (auto _ : state) {
    if (dot) {
      pq.ComputeDotTable(query.data(), table.data());
    } else {
      pq.ComputeL2Table(query.data(), table.data());
    }
    benchmark::DoNotOptimize(table.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void RegisterPqBenchmarks() {
  for (std::size_t m : {16, 32, 64}) {
    const std::string name = std::string("pq_table_distances/m").append(std::to_string(m)).append("/batch32");
    benchmark::RegisterBenchmark(name.c_str(), RunPqTableDistances, m);
  }
  const std::pair<std::size_t, std::size_t> shapes[] = {{128, 16}, {784, 56}, {960, 60}};
  for (const auto& [dim, m] : shapes) {
    // Built by appending: GCC 12 misreports `"literal" + string` under -Wrestrict.
    const std::string suffix = std::string("/").append(std::to_string(dim)).append("/m").append(std::to_string(m));
    benchmark::RegisterBenchmark(std::string("pq_l2_table").append(suffix).c_str(), RunPqTable, dim, m, false);
    benchmark::RegisterBenchmark(std::string("pq_dot_table").append(suffix).c_str(), RunPqTable, dim, m, true);
  }
}

bool RegisterDistanceBenchmarks() {
  std::string isas;
  for (Isa isa : SupportedIsas()) {
    if (!isas.empty()) isas += ",";
    isas += IsaName(isa);
  }
  benchmark::AddCustomContext("zyphyr_cpu", CpuBrandString());
  benchmark::AddCustomContext("zyphyr_isas", isas);

  for (Isa isa : SupportedIsas()) {
    Result<const DistanceKernels*> table = KernelsFor(isa);
    if (!table.ok()) continue;  // Cannot happen for a supported ISA.
    const DistanceKernels* k = *table;
    const std::string isa_name(IsaName(isa));
    for (bool from_memory : {false, true}) {
      for (std::size_t dim : kDims) {
        const std::string suffix = "/" + isa_name + "/" + std::to_string(dim) + (from_memory ? "/mem" : "");
        // Names built by appending: GCC 12 misreports `"literal" + string`
        // under -Wrestrict.
        const auto name = [&suffix](const char* kernel) { return std::string(kernel).append(suffix); };
        benchmark::RegisterBenchmark(name("l2_sq").c_str(), RunPair, k->l2_sq, dim, from_memory);
        benchmark::RegisterBenchmark(name("dot").c_str(), RunPair, k->dot, dim, from_memory);
        benchmark::RegisterBenchmark(name("l2_sq_batch4").c_str(), RunBatch, k->l2_sq_batch, dim, from_memory);
      }
    }
    for (const auto& [variant, table] : Int8Variants(isa, k)) {
      for (bool from_memory : {false, true}) {
        for (std::size_t dim : kDims) {
          const std::string suffix = "/" + variant + "/" + std::to_string(dim) + (from_memory ? "/mem" : "");
          const auto name = [&suffix](const char* kernel) { return std::string(kernel).append(suffix); };
          benchmark::RegisterBenchmark(name("l2_sq_u8").c_str(), RunPairU8, table->l2_sq_u8, dim, from_memory);
          benchmark::RegisterBenchmark(name("dot_u8").c_str(), RunPairU8, table->dot_u8, dim, from_memory);
        }
      }
    }
  }
  RegisterPqBenchmarks();
  return true;
}

[[maybe_unused]] const bool kRegistered = RegisterDistanceBenchmarks();

}  // namespace
}  // namespace zyphyr
