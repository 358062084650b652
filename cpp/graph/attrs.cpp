#include "graph/attrs.h"

#include <sstream>

#include "tensor/tensor.h"

namespace pg::graph {

Attrs& Attrs::set(const std::string& name, Attr value) {
  for (auto& kv : items_)
    if (kv.first == name) {
      kv.second = std::move(value);
      return *this;
    }
  items_.emplace_back(name, std::move(value));
  return *this;
}

const Attr* Attrs::find(const std::string& name) const {
  for (const auto& kv : items_)
    if (kv.first == name) return &kv.second;
  return nullptr;
}

const Attr& Attrs::get(const std::string& name) const {
  const Attr* a = find(name);
  if (!a) throw ValueError("attribute '" + name + "' is missing (have: " + str() + ")");
  return *a;
}

int64_t Attrs::i(const std::string& name) const { return std::get<int64_t>(get(name)); }

double Attrs::f(const std::string& name) const {
  const Attr& a = get(name);
  return std::holds_alternative<int64_t>(a) ? static_cast<double>(std::get<int64_t>(a))
                                            : std::get<double>(a);
}

const std::vector<int64_t>& Attrs::ints(const std::string& name) const {
  return std::get<std::vector<int64_t>>(get(name));
}

const std::string& Attrs::s(const std::string& name) const {
  return std::get<std::string>(get(name));
}

std::string Attrs::str() const {
  std::ostringstream os;
  for (size_t k = 0; k < items_.size(); ++k) {
    os << (k ? ", " : "") << items_[k].first << "=";
    const Attr& a = items_[k].second;
    if (auto p = std::get_if<int64_t>(&a)) os << *p;
    if (auto p = std::get_if<double>(&a)) os << *p;
    if (auto p = std::get_if<std::vector<int64_t>>(&a)) os << shape_str(*p);
    if (auto p = std::get_if<std::string>(&a)) os << "'" << *p << "'";
  }
  return os.str();
}

}  // namespace pg::graph
