// Small builders that gradient rules use to emit nodes: g.add1(OpId::mul, {a, b}) reads as
// mul(g, a, b). Each skips the node when it would be the identity (sum_to to the same shape).
#pragma once
#include "graph/ir.h"

namespace pg::graph {

inline ValueId mul(Graph& g, ValueId a, ValueId b) { return g.add1(OpId::mul, {a, b}); }
inline ValueId div(Graph& g, ValueId a, ValueId b) { return g.add1(OpId::div, {a, b}); }
inline ValueId add(Graph& g, ValueId a, ValueId b) { return g.add1(OpId::add, {a, b}); }
inline ValueId sub(Graph& g, ValueId a, ValueId b) { return g.add1(OpId::sub, {a, b}); }
inline ValueId neg(Graph& g, ValueId a) { return g.add1(OpId::neg, {a}); }
inline ValueId one_like(Graph& g, ValueId like) { return g.scalar(1.0, g.value(like).type.dtype); }

// Sum a (broadcast) gradient down to `shape`; the identity when it already has that shape.
inline ValueId sum_to(Graph& g, ValueId v, const Shape& shape) {
  if (g.shape(v) == shape) return v;
  return g.add1(OpId::sum_to, {v}, {{"shape", shape}});
}

inline ValueId broadcast_to(Graph& g, ValueId v, const Shape& shape) {
  if (g.shape(v) == shape) return v;
  return g.add1(OpId::broadcast_to, {v}, {{"shape", shape}});
}

}  // namespace pg::graph
