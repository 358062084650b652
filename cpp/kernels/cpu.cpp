// Feature detection with the compiler's cpuid builtins; no SIMD code lives here.
#include "kernels/cpu.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "tensor/errors.h"

namespace pg {
namespace {

Isa detect() {
#if defined(PYGRAPH_SIMD) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("fma"))
    return Isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::portable;
}

Isa min_isa(Isa a, Isa b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }

Isa initial_level() {
  Isa level = hardware_isa();
  if (const char* env = std::getenv("PYGRAPH_ISA"); env && *env)
    level = min_isa(level, isa_from_name(env));
  return level;
}

std::atomic<int>& level_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_level())};
  return slot;
}

struct Registry {
  std::mutex mu;
  std::map<std::string, std::vector<VariantInfo>> families;
};
Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::ref:
      return "ref";
    case Isa::portable:
      return "portable";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "?";
}

Isa isa_from_name(const std::string& name) {
  for (Isa i : {Isa::ref, Isa::portable, Isa::avx2, Isa::avx512})
    if (name == isa_name(i)) return i;
  throw ValueError("PYGRAPH_ISA / set_isa: unknown ISA level '" + name +
                   "'; expected one of ref, portable, avx2, avx512");
}

Isa hardware_isa() {
  static const Isa hw = detect();
  return hw;
}

Isa active_isa() { return static_cast<Isa>(level_slot().load(std::memory_order_relaxed)); }

void set_isa(Isa cap) { level_slot().store(static_cast<int>(min_isa(cap, hardware_isa()))); }

bool register_variants(const std::string& family, std::vector<VariantInfo> variants) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& list = r.families[family];
  list.insert(list.end(), variants.begin(), variants.end());
  return true;
}

std::vector<std::string> variant_families() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& kv : r.families) out.push_back(kv.first);
  return out;
}

std::vector<std::string> runnable_variants(const std::string& family) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.families.find(family);
  if (it == r.families.end()) {
    std::string known;
    for (const auto& kv : r.families) known += (known.empty() ? "" : ", ") + kv.first;
    throw ValueError("kernel_variants: unknown family '" + family + "'; known: " + known);
  }
  std::vector<std::string> out;
  for (const auto& v : it->second)
    if (static_cast<int>(v.isa) <= static_cast<int>(active_isa())) out.push_back(v.name);
  return out;
}

namespace {
std::atomic<bool> g_tracing{false};
std::mutex g_trace_mu;
std::vector<std::string> g_trace;
}  // namespace

bool tracing_kernels() { return g_tracing.load(std::memory_order_relaxed); }

void set_kernel_tracing(bool on) { g_tracing.store(on); }

void note_kernel(const char* name) {
  std::lock_guard<std::mutex> lock(g_trace_mu);
  for (const auto& seen : g_trace)
    if (seen == name) return;
  if (g_trace.size() < 256) g_trace.emplace_back(name);
}

std::vector<std::string> take_kernel_trace() {
  std::lock_guard<std::mutex> lock(g_trace_mu);
  std::vector<std::string> out;
  out.swap(g_trace);
  return out;
}

int num_threads() { return omp_get_max_threads(); }

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: n must be >= 1, got " + std::to_string(n));
  omp_set_num_threads(n);
}

}  // namespace pg
