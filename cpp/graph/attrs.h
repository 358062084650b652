// Node attributes: a small ordered list of named values (ints, floats, int lists, strings).
// Ordered so that the IR prints the same way every time.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pg::graph {

using Attr = std::variant<int64_t, double, std::vector<int64_t>, std::string>;

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<std::string, Attr>> items) : items_(items) {}

  Attrs& set(const std::string& name, Attr value);
  bool has(const std::string& name) const { return find(name) != nullptr; }
  int64_t i(const std::string& name) const;
  double f(const std::string& name) const;  // an int attribute reads as a float too
  const std::vector<int64_t>& ints(const std::string& name) const;
  const std::string& s(const std::string& name) const;
  const std::vector<std::pair<std::string, Attr>>& items() const { return items_; }
  std::string str() const;  // "axis=(1,), keepdims=0"
  bool operator==(const Attrs& other) const { return items_ == other.items_; }

 private:
  const Attr* find(const std::string& name) const;
  const Attr& get(const std::string& name) const;
  std::vector<std::pair<std::string, Attr>> items_;
};

}  // namespace pg::graph
