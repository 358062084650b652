// Dropout with a counter-based RNG: element i's fate is a hash of (seed, i), so the mask depends
// only on the seed and the index, never on the thread count or the order of work.
#pragma once
#include <cstdint>

namespace pg::kernels {

// x, y, mask are (n): mask[i] = 1 (kept) or 0 (dropped), y = x * mask / (1 - p).
// p in [0, 1]; p == 1 drops everything (y = 0).
template <class T>
void dropout_ref(const T* x, T* y, T* mask, int64_t n, double p, uint64_t seed);

// The keep test on its own (tests and the backward use the same rule).
inline bool dropout_keep(uint64_t seed, uint64_t i, uint64_t threshold) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;  // splitmix64 on a counter
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (z >> 11) >= threshold;  // 53 uniform bits against p * 2^53
}

}  // namespace pg::kernels
