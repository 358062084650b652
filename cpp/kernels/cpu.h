// CPU feature detection and kernel-variant dispatch. Detection runs once; PYGRAPH_ISA caps it.
// Kernels never call this per element: an op picks its variant once per call from a table.
#pragma once
#include <string>
#include <vector>

namespace pg {

// Ordered: a variant may run when its level is <= the active level.
enum class Isa : int { ref = 0, portable = 1, avx2 = 2, avx512 = 3 };

const char* isa_name(Isa isa);
Isa isa_from_name(const std::string& name);  // throws ValueError on an unknown name
Isa hardware_isa();                          // what this CPU supports (and this build compiled)
Isa active_isa();                            // min(hardware, PYGRAPH_ISA, set_isa)
void set_isa(Isa cap);                       // caps the level for this process (tests, teaching)

// A kernel variant: name, the ISA it needs, its entry point.
template <class Fn>
struct Variant {
  const char* name;
  Isa isa;
  Fn fn;
};

// Kernel tracing (off by default): records the name of every variant pick() returns, so a user
// can see which kernels a call really ran. One relaxed atomic load when off.
bool tracing_kernels();
void set_kernel_tracing(bool on);
void note_kernel(const char* name);
std::vector<std::string> take_kernel_trace();  // the distinct names since the last take, in order

// The first variant the active ISA can run. Tables list best first and end with a ref variant.
template <class Fn, size_t N>
const Variant<Fn>& pick(const Variant<Fn> (&table)[N]) {
  const Isa level = active_isa();
  const Variant<Fn>* chosen = &table[N - 1];
  for (const auto& v : table)
    if (static_cast<int>(v.isa) <= static_cast<int>(level)) {
      chosen = &v;
      break;
    }
  if (tracing_kernels()) note_kernel(chosen->name);
  return *chosen;
}

// Registry behind _core.kernel_variants(family): every family registers its table once.
struct VariantInfo {
  std::string name;
  Isa isa;
};
bool register_variants(const std::string& family, std::vector<VariantInfo> variants);
std::vector<std::string> variant_families();
// Names of the variants of `family` that the active ISA can run, best first.
std::vector<std::string> runnable_variants(const std::string& family);

// Convenience for registration at namespace scope in a family's dispatch file.
template <class Fn, size_t N>
bool register_table(const char* family, const Variant<Fn> (&table)[N]) {
  std::vector<VariantInfo> infos;
  for (const auto& v : table) infos.push_back({v.name, v.isa});
  return register_variants(family, infos);
}

int num_threads();
void set_num_threads(int n);

}  // namespace pg
