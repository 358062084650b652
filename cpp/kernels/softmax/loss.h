// Loss kernels: negative log-likelihood over classes (cross entropy = log_softmax + this) and
// pointwise losses (MSE, BCE, BCE with logits). Per-position losses out; the op reduces them.
#pragma once
#include <cstdint>

namespace pg::kernels {

// logp is (N, C, S) log-probabilities, target (N, S) labels in [0, C) or ignore_index,
// weight (C) or nullptr. Out: loss (N, S) and wsum (N, S) = weight[target] (the mean's
// denominator terms), both 0 where target == ignore_index. With label smoothing eps:
// loss = (1 - eps) * w[t] * -logp[t] + eps / C * sum_c w[c] * -logp[c]   (as torch).
template <class T>
void nll_forward_ref(const T* logp, const int64_t* target, const T* weight, int64_t N, int64_t C,
                     int64_t S, int64_t ignore_index, T smoothing, T* loss, T* wsum);

// Gradient of sum_i g[i] * loss[i] w.r.t. logp, or w.r.t. the logits when prob is given
// (prob = softmax(logits), then dx = dlogp - prob * sum_c dlogp; prob may alias dx, which is
// how cross entropy calls it). g holds one value per position (g_stride 1) or a single value
// (g_stride 0). prob, dx are (N, C, S).
template <class T>
void nll_backward_ref(const T* prob, const int64_t* target, const T* weight, int64_t N, int64_t C,
                      int64_t S, int64_t ignore_index, T smoothing, const T* g, int64_t g_stride,
                      T* dx);

enum class PointLoss { mse, bce, bce_logits };

// x, t, loss are (n): mse (x-t)^2; bce -(t log x + (1-t) log(1-x)) with logs clamped at -100;
// bce_logits -(pw t log sigmoid(x) + (1-t) log(1 - sigmoid(x))), computed stably.
// w (per-element weight) and pw (bce_logits' pos_weight), both (n) or nullptr (= 1).
template <class T>
void point_loss_ref(PointLoss kind, const T* x, const T* t, const T* w, const T* pw, int64_t n,
                    T* loss);

// dx, dt (n; either may be nullptr) = scale * g * d loss / d(x, t); g as in nll_backward_ref.
template <class T>
void point_loss_backward_ref(PointLoss kind, const T* x, const T* t, const T* w, const T* pw,
                             int64_t n, const T* g, int64_t g_stride, T scale, T* dx, T* dt);

}  // namespace pg::kernels
