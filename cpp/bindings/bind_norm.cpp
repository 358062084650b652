// Bindings of the norm family's eager ops (softmax, norms, losses, dropout): conversions only.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "ops/dropout.h"
#include "ops/loss.h"
#include "ops/norm.h"

namespace pg {
namespace {

using py::arg;
using Opt = py::object;  // an array or None

void bind_softmax(py::module_& m) {
  auto fwd = [](Tensor (*f)(const Tensor&, int64_t), const char* op) {
    return [f, op](const py::array& x, int64_t axis) {
      Tensor tx = from_numpy(x, op, "input"), y;
      {
        py::gil_scoped_release release;
        y = f(tx, axis);
      }
      return to_numpy(y);
    };
  };
  auto bwd = [](Tensor (*f)(const Tensor&, const Tensor&, int64_t), const char* op) {
    return [f, op](const py::array& dy, const py::array& x, int64_t axis) {
      Tensor tdy = from_numpy(dy, op, "grad_output"), tx = from_numpy(x, op, "input"), dx;
      {
        py::gil_scoped_release release;
        dx = f(tdy, tx, axis);
      }
      return to_numpy(dx);
    };
  };
  m.def("softmax", fwd(ops::softmax, "softmax"), arg("input"), arg("axis"));
  m.def("log_softmax", fwd(ops::log_softmax, "log_softmax"), arg("input"), arg("axis"));
  m.def("softmax_backward", bwd(ops::softmax_backward, "softmax_backward"), arg("grad_output"),
        arg("input"), arg("axis"));
  m.def("log_softmax_backward", bwd(ops::log_softmax_backward, "log_softmax_backward"),
        arg("grad_output"), arg("input"), arg("axis"));
}

void bind_norms(py::module_& m) {
  m.def(
      "batch_norm",
      [](const py::array& x, const Opt& rm, const Opt& rv, const Opt& w, const Opt& b,
         bool training, double momentum, double eps) {
        const char* op = "batch_norm";
        Tensor tx = from_numpy(x, op, "input"), trm = from_numpy_opt(rm, op, "running_mean"),
               trv = from_numpy_opt(rv, op, "running_var"), tw = from_numpy_opt(w, op, "weight"),
               tb = from_numpy_opt(b, op, "bias");
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = ops::batch_norm(tx, trm, trv, tw, tb, training, momentum, eps);
        }
        return to_numpy(out);
      },
      arg("input"), arg("running_mean"), arg("running_var"), arg("weight"), arg("bias"),
      arg("training"), arg("momentum"), arg("eps"));
  m.def(
      "batch_norm_backward",
      [](const py::array& dy, const py::array& x, const Opt& rm, const Opt& rv, const Opt& w,
         const Opt& b, bool training, double eps, const Opt& sm, const Opt& si) {
        const char* op = "batch_norm_backward";
        Tensor tdy = from_numpy(dy, op, "grad_output"), tx = from_numpy(x, op, "input"),
               trm = from_numpy_opt(rm, op, "running_mean"),
               trv = from_numpy_opt(rv, op, "running_var"), tw = from_numpy_opt(w, op, "weight"),
               tb = from_numpy_opt(b, op, "bias"), tsm = from_numpy_opt(sm, op, "save_mean"),
               tsi = from_numpy_opt(si, op, "save_invstd");
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = ops::batch_norm_backward(tdy, tx, trm, trv, tw, tb, training, eps, tsm, tsi);
        }
        return to_numpy(out);
      },
      arg("grad_output"), arg("input"), arg("running_mean"), arg("running_var"), arg("weight"),
      arg("bias"), arg("training"), arg("eps"), arg("save_mean"), arg("save_invstd"));
  m.def(
      "layer_norm",
      [](const py::array& x, const Shape& ns, const Opt& w, const Opt& b, double eps) {
        const char* op = "layer_norm";
        Tensor tx = from_numpy(x, op, "input"), tw = from_numpy_opt(w, op, "weight"),
               tb = from_numpy_opt(b, op, "bias");
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = ops::layer_norm(tx, ns, tw, tb, eps);
        }
        return to_numpy(out);
      },
      arg("input"), arg("normalized_shape"), arg("weight"), arg("bias"), arg("eps"));
  m.def(
      "layer_norm_backward",
      [](const py::array& dy, const py::array& x, const Shape& ns, const Opt& w, const Opt& b,
         double eps) {
        const char* op = "layer_norm_backward";
        Tensor tdy = from_numpy(dy, op, "grad_output"), tx = from_numpy(x, op, "input"),
               tw = from_numpy_opt(w, op, "weight"), tb = from_numpy_opt(b, op, "bias");
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = ops::layer_norm_backward(tdy, tx, ns, tw, tb, eps);
        }
        return to_numpy(out);
      },
      arg("grad_output"), arg("input"), arg("normalized_shape"), arg("weight"), arg("bias"),
      arg("eps"));
}

void bind_losses(py::module_& m) {
  m.def(
      "cross_entropy",
      [](const py::array& x, const py::array& t, const Opt& w, int64_t ignore,
         const std::string& red, double ls) {
        const char* op = "cross_entropy";
        Tensor tx = from_numpy(x, op, "input"), tt = from_numpy(t, op, "target"),
               tw = from_numpy_opt(w, op, "weight"), y;
        {
          py::gil_scoped_release release;
          y = ops::cross_entropy(tx, tt, tw, ignore, red, ls);
        }
        return to_numpy(y);
      },
      arg("input"), arg("target"), arg("weight"), arg("ignore_index"), arg("reduction"),
      arg("label_smoothing"));
  m.def(
      "cross_entropy_backward",
      [](const py::array& dy, const py::array& x, const py::array& t, const Opt& w, int64_t ignore,
         const std::string& red, double ls) {
        const char* op = "cross_entropy_backward";
        Tensor tdy = from_numpy(dy, op, "grad_output"), tx = from_numpy(x, op, "input"),
               tt = from_numpy(t, op, "target"), tw = from_numpy_opt(w, op, "weight");
        std::vector<Tensor> g;
        {
          py::gil_scoped_release release;
          g = ops::cross_entropy_backward(tdy, tx, tt, tw, ignore, red, ls);
        }
        return to_numpy(g);
      },
      arg("grad_output"), arg("input"), arg("target"), arg("weight"), arg("ignore_index"),
      arg("reduction"), arg("label_smoothing"));
  m.def(
      "nll_loss",
      [](const py::array& x, const py::array& t, const Opt& w, int64_t ignore,
         const std::string& red) {
        const char* op = "nll_loss";
        Tensor tx = from_numpy(x, op, "input"), tt = from_numpy(t, op, "target"),
               tw = from_numpy_opt(w, op, "weight"), y;
        {
          py::gil_scoped_release release;
          y = ops::nll_loss(tx, tt, tw, ignore, red);
        }
        return to_numpy(y);
      },
      arg("input"), arg("target"), arg("weight"), arg("ignore_index"), arg("reduction"));
  m.def(
      "nll_loss_backward",
      [](const py::array& dy, const py::array& x, const py::array& t, const Opt& w, int64_t ignore,
         const std::string& red) {
        const char* op = "nll_loss_backward";
        Tensor tdy = from_numpy(dy, op, "grad_output"), tx = from_numpy(x, op, "input"),
               tt = from_numpy(t, op, "target"), tw = from_numpy_opt(w, op, "weight");
        std::vector<Tensor> g;
        {
          py::gil_scoped_release release;
          g = ops::nll_loss_backward(tdy, tx, tt, tw, ignore, red);
        }
        return to_numpy(g);
      },
      arg("grad_output"), arg("input"), arg("target"), arg("weight"), arg("ignore_index"),
      arg("reduction"));

  // mse_loss, binary_cross_entropy and binary_cross_entropy_with_logits share one signature
  // here: weight and pos_weight are None where the loss has no such argument.
  using PointFwd =
      Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const std::string&, const Tensor&);
  using PointBwd = std::vector<Tensor> (*)(const Tensor&, const Tensor&, const Tensor&,
                                           const Tensor&, const std::string&, const Tensor&);
  auto point = [&m](const char* name, PointFwd f, const char* bname, PointBwd bf) {
    m.def(
        name,
        [f, name](const py::array& x, const py::array& t, const Opt& w, const std::string& red,
                  const Opt& pw) {
          Tensor tx = from_numpy(x, name, "input"), tt = from_numpy(t, name, "target"),
                 tw = from_numpy_opt(w, name, "weight"),
                 tpw = from_numpy_opt(pw, name, "pos_weight"), y;
          {
            py::gil_scoped_release release;
            y = f(tx, tt, tw, red, tpw);
          }
          return to_numpy(y);
        },
        arg("input"), arg("target"), arg("weight"), arg("reduction"), arg("pos_weight"));
    m.def(
        bname,
        [bf, bname](const py::array& dy, const py::array& x, const py::array& t, const Opt& w,
                    const std::string& red, const Opt& pw) {
          Tensor tdy = from_numpy(dy, bname, "grad_output"), tx = from_numpy(x, bname, "input"),
                 tt = from_numpy(t, bname, "target"), tw = from_numpy_opt(w, bname, "weight"),
                 tpw = from_numpy_opt(pw, bname, "pos_weight");
          std::vector<Tensor> g;
          {
            py::gil_scoped_release release;
            g = bf(tdy, tx, tt, tw, red, tpw);
          }
          return to_numpy(g);
        },
        arg("grad_output"), arg("input"), arg("target"), arg("weight"), arg("reduction"),
        arg("pos_weight"));
  };
  point(
      "mse_loss",
      [](const Tensor& x, const Tensor& t, const Tensor&, const std::string& r, const Tensor&) {
        return ops::mse_loss(x, t, r);
      },
      "mse_loss_backward",
      [](const Tensor& dy, const Tensor& x, const Tensor& t, const Tensor&, const std::string& r,
         const Tensor&) { return ops::mse_loss_backward(dy, x, t, r); });
  point(
      "binary_cross_entropy",
      [](const Tensor& x, const Tensor& t, const Tensor& w, const std::string& r, const Tensor&) {
        return ops::binary_cross_entropy(x, t, w, r);
      },
      "binary_cross_entropy_backward",
      [](const Tensor& dy, const Tensor& x, const Tensor& t, const Tensor& w, const std::string& r,
         const Tensor&) { return ops::binary_cross_entropy_backward(dy, x, t, w, r); });
  point("binary_cross_entropy_with_logits", ops::binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits_backward",
        ops::binary_cross_entropy_with_logits_backward);
}

void bind_dropout(py::module_& m) {
  m.def(
      "dropout",
      [](const py::array& x, double p, bool training, uint64_t seed) {
        Tensor tx = from_numpy(x, "dropout", "input");
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = ops::dropout(tx, p, training, seed);
        }
        return to_numpy(out);
      },
      arg("input"), arg("p"), arg("training"), arg("seed"));
  m.def(
      "dropout_backward",
      [](const py::array& dy, const py::array& mask, double p) {
        Tensor tdy = from_numpy(dy, "dropout_backward", "grad_output"),
               tm = from_numpy(mask, "dropout_backward", "mask"), dx;
        {
          py::gil_scoped_release release;
          dx = ops::dropout_backward(tdy, tm, p);
        }
        return to_numpy(dx);
      },
      arg("grad_output"), arg("mask"), arg("p"));
}

}  // namespace

void bind_norm(py::module_& m) {
  bind_softmax(m);
  bind_norms(m);
  bind_losses(m);
  bind_dropout(m);
}

}  // namespace pg
