// actlab's fused CPU kernels: one pass over memory for each forward and each backward.
//
// Built on first use by actlab/kernels/compiled.py against the installed torch (its headers,
// its Sleef, its OpenMP thread pool through at::parallel_for) and loaded with
// torch.ops.load_library. Every op has a pure-torch twin in lean.py / fewbit.py that gives the
// same numbers; the tests compare the two.
//
// One translation unit on purpose: each one parses torch's headers again, ~15 s of the
// first-use build. Sections: piecewise-linear masks, their C++ autograd, elementary functions,
// smooth kernels, few-bit codes, learnable kernels, registration.
//
// Bit layouts are those of actlab/kernels/bitpack.py: element i of a 1-bit mask is bit i % 8
// of byte i / 8; k-bit codes are k such planes, plane j holding bit j of every code.

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/cpu/vec/vec.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/library.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#if defined(CPU_CAPABILITY_AVX2)
#include <immintrin.h>
#include <sleef.h>
#endif

namespace {

using at::vec::Vectorized;
using V = Vectorized<float>;

constexpr int64_t kGrainElements = 32768;  // as ATen's own elementwise loops
constexpr int64_t kGrainBytes = kGrainElements / 8;

// ---------------------------------------------------------------------------------------------
// Piecewise-linear kernels: y and a 1-bit mask of where f' = 1 in one pass; the backward reads
// the mask and the upstream gradient only. Each "inside" test is the negation of PyTorch's
// backward test, so NaN inputs take the same side as in PyTorch.

enum MaskKind : int64_t { RELU, LEAKY_RELU, RELU6, HARDTANH, THRESHOLD, HARDSHRINK, SOFTSHRINK };
const std::vector<std::string> kMaskKinds = {"relu",      "leaky_relu", "relu6",    "hardtanh",
                                             "threshold", "hardshrink", "softshrink"};

template <typename T>
inline bool mask_inside(int64_t kind, T x, T a, T b) {
  switch (kind) {
    case RELU: return !(x <= T(0));
    case LEAKY_RELU: return x > T(0);
    case RELU6: return !(x <= T(0) || x >= T(6));
    case HARDTANH: return !(x <= a || x >= b);
    case THRESHOLD: return !(x <= a);
    default: return !(x >= -a && x <= a);  // hardshrink, softshrink: outside the band
  }
}

// f(x), given whether x is inside (f' = 1).
template <typename T>
inline T mask_value(int64_t kind, T x, T a, T b, bool inside) {
  switch (kind) {
    case LEAKY_RELU: return inside ? x : x * a;
    case RELU6: return inside ? x : (x <= T(0) ? T(0) : T(6));
    case HARDTANH: return inside ? x : (x <= a ? a : b);
    case THRESHOLD: return inside ? x : b;
    case SOFTSHRINK: return inside ? (x > a ? x - a : x + a) : T(0);
    default: return inside ? x : T(0);  // relu, hardshrink
  }
}

template <typename T>
void mask_forward_scalar(int64_t kind, const T* x, T* y, uint8_t* packed, int64_t begin,
                         int64_t end, T a, T b) {  // begin is a multiple of 8
  for (int64_t i = begin; i < end; i += 8) {
    uint8_t bits = 0;
    for (int64_t k = 0; k < 8 && i + k < end; ++k) {
      const bool inside = mask_inside<T>(kind, x[i + k], a, b);
      y[i + k] = mask_value<T>(kind, x[i + k], a, b, inside);
      bits |= uint8_t(inside) << k;
    }
    packed[i / 8] = bits;
  }
}

template <typename T>
void mask_backward_scalar(const T* grad, const uint8_t* packed, T* out, int64_t begin,
                          int64_t end, T slope) {
  for (int64_t i = begin; i < end; ++i) {
    const bool inside = (packed[i / 8] >> (i % 8)) & 1;
    // 0, not grad * 0, outside: an inf/NaN upstream gradient must not leak there (as PyTorch)
    out[i] = inside ? grad[i] : (slope != T(0) ? grad[i] * slope : T(0));
  }
}

#if defined(CPU_CAPABILITY_AVX2)
void mask_forward_avx2(int64_t kind, const float* x, float* y, uint8_t* packed, int64_t begin,
                       int64_t end, float a, float b) {
  const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.f);
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), neg_a = _mm256_set1_ps(-a);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 inside, out;
    switch (kind) {
      case RELU:
        inside = _mm256_cmp_ps(v, zero, _CMP_NLE_UQ);
        out = _mm256_blendv_ps(zero, v, inside);
        break;
      case LEAKY_RELU:
        inside = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
        out = _mm256_blendv_ps(_mm256_mul_ps(v, va), v, inside);
        break;
      case RELU6:
      case HARDTANH: {
        const __m256 lo = kind == RELU6 ? zero : va, hi = kind == RELU6 ? six : vb;
        const __m256 low = _mm256_cmp_ps(v, lo, _CMP_LE_OQ);
        inside = _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_NLE_UQ), _mm256_cmp_ps(v, hi, _CMP_NGE_UQ));
        out = _mm256_blendv_ps(_mm256_blendv_ps(hi, lo, low), v, inside);
        break;
      }
      case THRESHOLD:
        inside = _mm256_cmp_ps(v, va, _CMP_NLE_UQ);
        out = _mm256_blendv_ps(vb, v, inside);
        break;
      default: {  // hardshrink, softshrink
        inside = _mm256_or_ps(_mm256_cmp_ps(v, neg_a, _CMP_NGE_UQ), _mm256_cmp_ps(v, va, _CMP_NLE_UQ));
        __m256 shrunk = v;
        if (kind == SOFTSHRINK) {
          const __m256 above = _mm256_cmp_ps(v, va, _CMP_GT_OQ);
          shrunk = _mm256_blendv_ps(_mm256_add_ps(v, va), _mm256_sub_ps(v, va), above);
        }
        out = _mm256_blendv_ps(zero, shrunk, inside);
      }
    }
    _mm256_storeu_ps(y + i, out);
    packed[i / 8] = static_cast<uint8_t>(_mm256_movemask_ps(inside));
  }
  mask_forward_scalar<float>(kind, x, y, packed, i, end, a, b);
}

// Lane k of the result is all ones where bit k of `byte` is set.
inline __m256 expand_byte(uint8_t byte) {
  const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i bits = _mm256_and_si256(_mm256_set1_epi32(byte), lane_bits);
  return _mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, lane_bits));
}

void mask_backward_avx2(const float* grad, const uint8_t* packed, float* out, int64_t begin,
                        int64_t end, float slope) {
  const __m256 vslope = _mm256_set1_ps(slope), zero = _mm256_setzero_ps();
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 g = _mm256_loadu_ps(grad + i);
    const __m256 outside = slope != 0.f ? _mm256_mul_ps(g, vslope) : zero;
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(outside, g, expand_byte(packed[i / 8])));
  }
  mask_backward_scalar<float>(grad, packed, out, i, end, slope);
}
#endif

void check_float(const at::Tensor& t, const char* op) {
  TORCH_CHECK(t.device().is_cpu(), op, ": expected a CPU tensor, got ", t.device());
  TORCH_CHECK(t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble, op,
              ": expected float32 or float64, got ", t.scalar_type());
}

std::tuple<at::Tensor, at::Tensor> mask_forward(const at::Tensor& x_in, int64_t kind, double a,
                                                double b) {
  check_float(x_in, "actlab::mask_forward");
  TORCH_CHECK(kind >= 0 && kind < int64_t(kMaskKinds.size()), "unknown mask kind ", kind);
  const at::Tensor x = x_in.contiguous();
  at::Tensor y = at::empty_like(x);
  const int64_t n = x.numel(), nbytes = (n + 7) / 8;
  at::Tensor packed = at::empty({nbytes}, x.options().dtype(at::kByte));
  uint8_t* pp = packed.data_ptr<uint8_t>();
  if (x.scalar_type() == at::kFloat) {
    const float* px = x.data_ptr<float>();
    float* py = y.data_ptr<float>();
    at::parallel_for(0, nbytes, kGrainBytes, [&](int64_t b0, int64_t b1) {
      const int64_t begin = b0 * 8, end = std::min(n, b1 * 8);
#if defined(CPU_CAPABILITY_AVX2)
      mask_forward_avx2(kind, px, py, pp, begin, end, float(a), float(b));
#else
      mask_forward_scalar<float>(kind, px, py, pp, begin, end, float(a), float(b));
#endif
    });
  } else {
    const double* px = x.data_ptr<double>();
    double* py = y.data_ptr<double>();
    at::parallel_for(0, nbytes, kGrainBytes, [&](int64_t b0, int64_t b1) {
      mask_forward_scalar<double>(kind, px, py, pp, b0 * 8, std::min(n, b1 * 8), a, b);
    });
  }
  return {y, packed};
}

at::Tensor mask_backward(const at::Tensor& grad_in, const at::Tensor& packed, double slope) {
  check_float(grad_in, "actlab::mask_backward");
  const at::Tensor grad = grad_in.contiguous();
  const int64_t n = grad.numel(), nbytes = (n + 7) / 8;
  TORCH_CHECK(packed.scalar_type() == at::kByte && packed.is_contiguous() &&
                  packed.numel() == nbytes,
              "actlab::mask_backward: packed mask must be ", nbytes, " contiguous uint8 bytes");
  at::Tensor out = at::empty_like(grad);
  const uint8_t* pp = packed.data_ptr<uint8_t>();
  if (grad.scalar_type() == at::kFloat) {
    const float* pg = grad.data_ptr<float>();
    float* po = out.data_ptr<float>();
    at::parallel_for(0, nbytes, kGrainBytes, [&](int64_t b0, int64_t b1) {
#if defined(CPU_CAPABILITY_AVX2)
      mask_backward_avx2(pg, pp, po, b0 * 8, std::min(n, b1 * 8), float(slope));
#else
      mask_backward_scalar<float>(pg, pp, po, b0 * 8, std::min(n, b1 * 8), float(slope));
#endif
    });
  } else {
    const double* pg = grad.data_ptr<double>();
    double* po = out.data_ptr<double>();
    at::parallel_for(0, nbytes, kGrainBytes, [&](int64_t b0, int64_t b1) {
      mask_backward_scalar<double>(pg, pp, po, b0 * 8, std::min(n, b1 * 8), slope);
    });
  }
  return out;
}

// The autograd of `lean_mask`, in C++ so that a training step pays no Python overhead for it.
// The backward grad -> mask(grad) is linear in grad with the same mask as its own derivative,
// so `mask_backward` is registered with itself as backward: double backward is exact (f'' = 0
// almost everywhere). Both go through the dispatcher, so torch.compile sees the fake kernels.
// mask(grad) does not read x, so under double backward the result also gets an "anchor", a
// -0.0 that depends on x (lean.py's `anchor`): the gradient of the gradient then exists and is
// 0, as for PyTorch's relu, instead of "element 0 of tensors does not require grad".

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor call_mask_backward(const at::Tensor& grad, const at::Tensor& packed, double slope) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("actlab::mask_backward", "")
                             .typed<at::Tensor(const at::Tensor&, const at::Tensor&, double)>();
  return op.call(grad, packed, slope);
}

class MaskGrad : public torch::autograd::Function<MaskGrad> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& grad, const at::Tensor& packed,
                            double slope) {
    ctx->save_for_backward({packed});
    ctx->saved_data["slope"] = slope;
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    return call_mask_backward(grad, packed, slope);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor packed = ctx->get_saved_variables()[0];
    return {call_mask_backward(grads[0], packed, ctx->saved_data["slope"].toDouble()),
            at::Tensor(), at::Tensor()};
  }
};

class MaskLean : public torch::autograd::Function<MaskLean> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, int64_t kind, double a,
                            double b, double slope, c10::IValue anchor) {
    static const auto op =
        c10::Dispatcher::singleton()
            .findSchemaOrThrow("actlab::mask_forward", "")
            .typed<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, int64_t, double, double)>();
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    auto [y, packed] = op.call(x, kind, a, b);
    ctx->save_for_backward({packed});
    ctx->saved_data["slope"] = slope;
    ctx->saved_data["anchor"] = anchor;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor packed = ctx->get_saved_variables()[0];
    const double slope = ctx->saved_data["slope"].toDouble();
    at::Tensor grad = call_mask_backward(grads[0], packed, slope);
    if (at::GradMode::is_enabled()) grad = grad.add(ctx->saved_data["anchor"].toTensor());
    return {grad, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor lean_mask_autograd(const at::Tensor& x, int64_t kind, double a, double b,
                              double slope) {
  if (!at::GradMode::is_enabled() || !x.requires_grad()) {  // nothing to record
    static const auto op =
        c10::Dispatcher::singleton()
            .findSchemaOrThrow("actlab::lean_mask", "")
            .typed<at::Tensor(const at::Tensor&, int64_t, double, double, double)>();
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    return op.call(x, kind, a, b, slope);
  }
  // -0.0 from an empty view of x: its graph keeps sizes only, never x's memory. Passed as an
  // IValue, not a tensor argument: MaskLean gets no edge to it, so the first-order backward
  // never visits its graph (that would add a pass of zeros over x).
  const at::Tensor anchor = x.as_strided({0}, {1}).sum().neg();
  return MaskLean::apply(x, kind, a, b, slope, c10::IValue(anchor));
}

at::Tensor lean_mask_cpu(const at::Tensor& x, int64_t kind, double a, double b, double slope) {
  return std::get<0>(mask_forward(x, kind, a, b));  // below autograd (inference mode)
}

at::Tensor mask_backward_autograd(const at::Tensor& grad, const at::Tensor& packed,
                                  double slope) {
  if (!at::GradMode::is_enabled() || !grad.requires_grad()) {  // nothing to record
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    return call_mask_backward(grad, packed, slope);
  }
  return MaskGrad::apply(grad, packed, slope);
}

// ---------------------------------------------------------------------------------------------
// Smooth kernels (float32): f in one pass, and grad * f'(x) recomputed from x in one pass.
// Each mirrors the closed form in actlab/kernels/derivatives.py: x is clamped to finite values
// where the limits at ±inf need it, and the linear factor of x * gate(x) is clamped at -max
// only, so f(+inf) = inf and f(-inf) = the limit 0.

enum SmoothKind : int64_t { MISH, SERF, TANHEXP, SMISH, LOGISH, QUICK_GELU, GCU, ELISH, SQUAREPLUS };
const std::vector<std::string> kSmoothKinds = {"mish",   "serf",       "tanhexp",
                                               "smish",  "logish",     "quick_gelu",
                                               "gcu",    "elish",      "squareplus"};

constexpr float kBig = std::numeric_limits<float>::max();
const float kTwoOverSqrtPi = 1.1283791670955126f;

using at::vec::fmadd;

// --- Elementary functions --------------------------------------------------------------------
// Sleef's log1p and tanh cost 4-6 ns/element here, several times an exp, so the kernels are
// written around one exp per element and the identities
//   tanh(log1p(u)) = n / (n + 2),  1 - tanh(log1p(u))^2 = 4 (n + 1) / (n + 2)^2,  n = u (u + 2),
// which have no cancellation (mish: u = e^x; smish: u = sigmoid(x)). Each function is within a
// few float32 ulps (the tests bound every kernel against the float64 reference).

C10_ALWAYS_INLINE V nan_to(const V& x, const V& result) {  // NaN inputs give NaN
  return V::blendv(result, x, x != x);
}

// e^x for x <= 88 (the kernels pass at most 20; larger x gives e^88): Cody-Waite reduction
// x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r (Cephes expf), and 2^n added to
// the exponent field. n comes from the 1.5 * 2^23 shifter, whose low mantissa bits hold
// round(x / ln2): shifted left by 23 they are n << 23. Below -86.6 it returns 0 (the true
// value is < 2.5e-38), so the result never leaves the normal range.
C10_ALWAYS_INLINE V exp_clamped(const V& x);
C10_ALWAYS_INLINE V exp_(const V& x) {
#if defined(CPU_CAPABILITY_AVX2)
  return nan_to(x, V::blendv(exp_clamped(x), V(0.f), x < V(-86.6f)));
#else
  return x.exp();
#endif
}

// e^x for x in [-86.6, 88], the argument clamped to it (e^-86.6 = 2.4e-38 below, not 0);
// a NaN becomes a bound here: callers restore it (exp_) or carry it through a product.
C10_ALWAYS_INLINE V exp_clamped(const V& x) {
#if defined(CPU_CAPABILITY_AVX2)
  // plain min/max (a NaN becomes a bound here; nan_to restores it at the end)
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-86.6f)), _mm256_set1_ps(88.f));
  const __m256 shifter = _mm256_set1_ps(12582912.f);
  const __m256 shifted = _mm256_fmadd_ps(xc, _mm256_set1_ps(1.44269504088896341f), shifter);
  const V n = V(_mm256_sub_ps(shifted, shifter));
  V r = fmadd(n, V(-0.693359375f), V(xc));
  r = fmadd(n, V(2.12194440e-4f), r);
  // the polynomial by Estrin's scheme (three FMAs deep where Horner's is five): the kernels
  // around it are bound by this chain's latency, not by the count of operations
  const V r2 = r * r;
  const V a = fmadd(V(1.9875691500e-4f), r, V(1.3981999507e-3f));
  const V b = fmadd(V(8.3334519073e-3f), r, V(4.1665795894e-2f));
  const V c = fmadd(V(1.6666665459e-1f), r, V(5.0000001201e-1f));
  const V p = fmadd(fmadd(a, r2, b), r2, c);
  const V y = fmadd(p, r2, r + V(1.f));  // e^r in [0.70, 1.42]
  const __m256i exponent = _mm256_slli_epi32(_mm256_castps_si256(shifted), 23);
  return V(_mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(y), exponent)));
#else
  return at::vec::minimum(at::vec::maximum(x, V(-86.6f)), V(88.f)).exp();
#endif
}

// e^z - 1 for z <= 0, given ez = e^z: Taylor to z^8/8! where |z| < 0.35 (no cancellation),
// ez - 1 elsewhere.
C10_ALWAYS_INLINE V expm1_neg(const V& z, const V& ez) {
  V p = fmadd(V(1.f / 40320.f), z, V(1.f / 5040.f));
  p = fmadd(p, z, V(1.f / 720.f));
  p = fmadd(p, z, V(1.f / 120.f));
  p = fmadd(p, z, V(1.f / 24.f));
  p = fmadd(p, z, V(1.f / 6.f));
  p = fmadd(p, z, V(0.5f));
  const V small = fmadd(p * z, z, z);
  return nan_to(z, V::blendv(ez - V(1.f), small, z > V(-0.35f)));
}

// log1p(u) for u in [0, 1]: 2 atanh(s) with s = u / (2 + u) in [0, 1/3], a series in s^2.
C10_ALWAYS_INLINE V log1p01(const V& u) {
  const V s = u / (V(2.f) + u), s2 = s * s;
  V p = fmadd(V(1.f / 15.f), s2, V(1.f / 13.f));
  p = fmadd(p, s2, V(1.f / 11.f));
  p = fmadd(p, s2, V(1.f / 9.f));
  p = fmadd(p, s2, V(1.f / 7.f));
  p = fmadd(p, s2, V(1.f / 5.f));
  p = fmadd(p, s2, V(1.f / 3.f));
  return V(2.f) * fmadd(p * s2, s, s);
}

// erf(x) for x >= 0 (Sleef's erff costs ~8 ns/element here). Below 1: x P(x^2), P of degree 6;
// from 1 to 3.92: 1 - e^-x^2 Q(1/x - 0.6), Q of degree 9 (erfcx(x) = e^x^2 erfc(x) is smooth
// in 1/x); above, 1. P and Q were fitted for actlab by weighted least squares on Chebyshev
// nodes (relative error 1.4e-9 and 6e-8 in float64); in float32 the result is within 2.5 ulp.
struct Erf {
  V erf, gauss;  // erf(x) and e^-x^2
};
C10_ALWAYS_INLINE Erf erf_nonneg(const V& x) {
  const V t = x * x, gauss = exp_(t.neg());
  V p = fmadd(V(7.898209878476337e-05f), t, V(-0.0008024353883229196f));
  p = fmadd(p, t, V(0.00519005348905921f));
  p = fmadd(p, t, V(-0.026854809373617172f));
  p = fmadd(p, t, V(0.11283612251281738f));
  p = fmadd(p, t, V(-0.3761262893676758f));
  p = fmadd(p, t, V(1.128379225730896f));
  const V small = x * p;
  const V u = V(1.f) / x - V(0.6f);
  V q = fmadd(V(0.030784588307142258f), u, V(-0.01370501983910799f));
  q = fmadd(q, u, V(-0.026400502771139145f));
  q = fmadd(q, u, V(0.049395669251680374f));
  q = fmadd(q, u, V(-0.053832292556762695f));
  q = fmadd(q, u, V(0.029546257108449936f));
  q = fmadd(q, u, V(0.04112725332379341f));
  q = fmadd(q, u, V(-0.17558090388774872f));
  q = fmadd(q, u, V(0.39098402857780457f));
  q = fmadd(q, u, V(0.296287477016449f));
  const V large = V(1.f) - gauss * q;
  const V out = V::blendv(V::blendv(large, V(1.f), x >= V(3.92f)), small, x < V(1.f));
  return {nan_to(x, out), gauss};
}

// Sleef's 1-ulp sin/cos (torch's Vectorized uses the 3.5-ulp ones); sincos shares the range
// reduction between the two.
struct SinCos {
  V sin, cos;
};
C10_ALWAYS_INLINE V cos1(const V& x) {
#if defined(CPU_CAPABILITY_AVX2)
  return V(Sleef_cosf8_u10avx2(x));
#else
  return x.map(static_cast<float (*)(float)>(std::cos));
#endif
}
C10_ALWAYS_INLINE SinCos sincos1(const V& x) {
#if defined(CPU_CAPABILITY_AVX2)
  const Sleef___m256_2 both = Sleef_sincosf8_u10avx2(x);
  return {V(both.x), V(both.y)};
#else
  return {x.map(static_cast<float (*)(float)>(std::sin)), cos1(x)};
#endif
}

C10_ALWAYS_INLINE V finite(const V& x) {  // ±inf -> ±max; NaN stays NaN
  const V signed_big = V::blendv(V(kBig), V(-kBig), x < V(0.f));
  return V::blendv(x, signed_big, x.abs() > V(kBig));
}
C10_ALWAYS_INLINE V linear_factor(const V& x) {  // -inf -> -max, so x * gate = -max * 0 = 0 at -inf
  return V::blendv(x, V(-kBig), x < V(-kBig));
}

// sigmoid(x), sigmoid'(x) = sigmoid(x) sigmoid(-x) and softplus(x) = max(x, 0) + log1p(e)
// from one e = e^-|x|: no overflow, and no 1 - sigmoid cancellation for large x.
struct Logistic {
  V e, sigmoid, slope, softplus_tail;  // softplus = max(x, 0) + softplus_tail
};
C10_ALWAYS_INLINE Logistic logistic(const V& x, bool with_softplus = false) {
  const V e = exp_(x.abs().neg()), r = V(1.f) / (V(1.f) + e);
  const V sig = nan_to(x, V::blendv(e * r, r, x >= V(0.f)));
  return {e, sig, e * r * r, with_softplus ? log1p01(e) : V(0.f)};
}

struct TanhLog1p {  // tanh(log1p(u)) and 1 - its square, for u >= 0
  V t, one_minus_t2;
};
C10_ALWAYS_INLINE TanhLog1p tanh_log1p(const V& u) {
  const V n = u * (u + V(2.f)), d = V(1.f) / (n + V(2.f));
  return {n * d, V(4.f) * (n + V(1.f)) * d * d};
}

C10_ALWAYS_INLINE V smooth_f(int64_t kind, const V& x, float p) {
  const V xf = finite(x), lin = linear_factor(x);
  switch (kind) {
    case MISH:  // x tanh(softplus(x)); x > 20 gives tanh = 1 exactly; mish(-inf) = NaN as PyTorch
      return x * V::blendv(tanh_log1p(exp_(at::vec::minimum(x, V(20.f)))).t, V(1.f), x > V(20.f));
    case SERF: {
      const Logistic l = logistic(xf, true);
      return lin * erf_nonneg(at::vec::maximum(xf, V(0.f)) + l.softplus_tail).erf;
    }
    case TANHEXP: {
      const V y = exp_(at::vec::minimum(xf, V(20.f))), z = V(-2.f) * y;
      const V m = expm1_neg(z, exp_(z));
      return lin * (m.neg() / (V(2.f) + m));  // tanh(y) = -m / (2 + m), m = e^-2y - 1
    }
    case SMISH: return lin * tanh_log1p(logistic(xf).sigmoid).t;
    case LOGISH: return lin * log1p01(logistic(xf).sigmoid);
    case QUICK_GELU: return lin * logistic(V(p) * xf).sigmoid;
    case GCU: return x * cos1(x);
    case ELISH: {
      const V neg = at::vec::minimum(xf, V(0.f));  // NaN propagates into the x < 0 side
      const Logistic l = logistic(xf);
      return V::blendv(expm1_neg(neg, exp_(neg)) * l.sigmoid, x * l.sigmoid, x >= V(0.f));
    }
    default: {  // squareplus, b = p > 0: (x + sqrt(x^2 + b)) / 2 without cancellation
      const V b(p), ax = xf.abs();
      const V s = V::blendv(fmadd(xf, xf, b).sqrt(), ax, ax > V(1e18f));
      const V positive = x + b / (V(2.f) * (s + xf)), negative = b / (V(2.f) * (s - xf));
      return V::blendv(negative, positive, x >= V(0.f));
    }
  }
}

C10_ALWAYS_INLINE V smooth_d1(int64_t kind, const V& x_in, float p) {
  const V x = kind == GCU ? x_in : finite(x_in), one(1.f);
  switch (kind) {
    case MISH: {  // t + x sigmoid(x) (1 - t^2); beyond x = 20, t = 1 and the rest < 1e-15
      // sigmoid(x) = u / (1 + u) with u = e^x: the same exp serves both
      const V below = x <= V(20.f), u = exp_(at::vec::minimum(x, V(20.f)));
      const TanhLog1p th = tanh_log1p(u);
      const V t = V::blendv(one, th.t, below);
      return t + x * V::blendv(V(0.f), u / (one + u) * th.one_minus_t2, below);
    }
    case SERF: {
      const Logistic l = logistic(x, true);
      const V sp = at::vec::maximum(x, V(0.f)) + l.softplus_tail;
      const Erf e = erf_nonneg(sp);
      return e.erf + x * (V(kTwoOverSqrtPi) * e.gauss * l.sigmoid);
    }
    case TANHEXP: {  // t + x e^x sech^2(e^x), sech^2 = 4 q / (1 + q)^2, q = e^-2y = 1 + m
      const V y = exp_(at::vec::minimum(x, V(20.f))), z = V(-2.f) * y, q = exp_(z);
      const V m = expm1_neg(z, q), d = one / (V(2.f) + m), t = m.neg() * d;
      const V slope = V::blendv(V(0.f), y * (V(4.f) * q * d * d), x <= V(20.f));
      return t + x * slope;
    }
    case SMISH: {
      const Logistic l = logistic(x);
      const TanhLog1p th = tanh_log1p(l.sigmoid);
      return th.t + x * (th.one_minus_t2 * l.slope / (one + l.sigmoid));
    }
    case LOGISH: {
      const Logistic l = logistic(x);
      return log1p01(l.sigmoid) + x * (l.slope / (one + l.sigmoid));
    }
    case QUICK_GELU: {
      const Logistic l = logistic(V(p) * x);
      return l.sigmoid + x * (V(p) * l.slope);
    }
    case GCU: {
      const SinCos sc = sincos1(x);
      return sc.cos - x * sc.sin;
    }
    case ELISH: {
      const Logistic l = logistic(x);  // for x < 0, l.e = e^x
      const V neg = at::vec::minimum(x, V(0.f));
      const V negative = l.e * l.sigmoid + expm1_neg(neg, l.e) * l.slope;
      return V::blendv(nan_to(x, negative), l.sigmoid + x * l.slope, x >= V(0.f));
    }
    default: {  // squareplus
      const V b(p), ax = x.abs();
      const V s = V::blendv(fmadd(x, x, b).sqrt(), ax, ax > V(1e18f));
      const V positive = (one + x / s) / V(2.f);
      const V negative = b / (V(2.f) * s * (s - x));
      return V::blendv(negative, positive, x >= V(0.f));
    }
  }
}

void check_smooth(const at::Tensor& t, int64_t kind, const char* op) {
  TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kFloat, op,
              ": expected a float32 CPU tensor, got ", t.scalar_type(), " on ", t.device());
  TORCH_CHECK(kind >= 0 && kind < int64_t(kSmoothKinds.size()), "unknown smooth kind ", kind);
}

// Calls f(std::integral_constant<kind>): each kernel's loop is compiled for one kind, so the
// switch in smooth_f / smooth_d1 folds away and everything inlines into the loop.
template <typename F>
void with_kind(int64_t kind, F&& f) {
  switch (kind) {
    case MISH: return f(std::integral_constant<int64_t, MISH>{});
    case SERF: return f(std::integral_constant<int64_t, SERF>{});
    case TANHEXP: return f(std::integral_constant<int64_t, TANHEXP>{});
    case SMISH: return f(std::integral_constant<int64_t, SMISH>{});
    case LOGISH: return f(std::integral_constant<int64_t, LOGISH>{});
    case QUICK_GELU: return f(std::integral_constant<int64_t, QUICK_GELU>{});
    case GCU: return f(std::integral_constant<int64_t, GCU>{});
    case ELISH: return f(std::integral_constant<int64_t, ELISH>{});
    default: return f(std::integral_constant<int64_t, SQUAREPLUS>{});
  }
}

at::Tensor smooth_forward(const at::Tensor& x_in, int64_t kind, double p) {
  check_smooth(x_in, kind, "actlab::smooth_forward");
  const at::Tensor x = x_in.contiguous();
  at::Tensor y = at::empty_like(x);
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  with_kind(kind, [&](auto k) {
    constexpr int64_t K = decltype(k)::value;
    at::parallel_for(0, x.numel(), kGrainElements, [&](int64_t begin, int64_t end) {
      int64_t i = begin;
      for (; i + V::size() <= end; i += V::size()) smooth_f(K, V::loadu(px + i), p).store(py + i);
      if (i < end) smooth_f(K, V::loadu(px + i, end - i), p).store(py + i, end - i);
    });
  });
  return y;
}

at::Tensor smooth_backward(const at::Tensor& grad_in, const at::Tensor& x_in, int64_t kind,
                           double p) {
  check_smooth(grad_in, kind, "actlab::smooth_backward");
  check_smooth(x_in, kind, "actlab::smooth_backward");
  TORCH_CHECK(grad_in.numel() == x_in.numel(), "actlab::smooth_backward: grad and x differ in size");
  const at::Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  at::Tensor out = at::empty_like(grad);
  const float *pg = grad.data_ptr<float>(), *px = x.data_ptr<float>();
  float* po = out.data_ptr<float>();
  with_kind(kind, [&](auto k) {
    constexpr int64_t K = decltype(k)::value;
    at::parallel_for(0, x.numel(), kGrainElements, [&](int64_t begin, int64_t end) {
      int64_t i = begin;
      for (; i + V::size() <= end; i += V::size())
        (V::loadu(pg + i) * smooth_d1(K, V::loadu(px + i), p)).store(po + i);
      if (i < end) {
        const int64_t n = end - i;
        (V::loadu(pg + i, n) * smooth_d1(K, V::loadu(px + i, n), p)).store(po + i, n);
      }
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Few-bit backward (float32): the forward writes each element's interval index among the
// ascending boundaries as k bit-planes; the backward multiplies the gradient by levels[code].

inline int code_of(float x, const float* boundaries, int64_t count) {
  int code = 0;  // NaN compares false everywhere: code 0, as the torch path
  for (int64_t j = 0; j < count; ++j) code += x > boundaries[j];
  return code;
}

void codes_scalar(const float* x, uint8_t* packed, int64_t plane, int64_t begin, int64_t end,
                  const float* boundaries, int64_t count, int64_t bits) {
  for (int64_t i = begin; i < end; i += 8) {
    uint8_t planes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t k = 0; k < 8 && i + k < end; ++k) {
      const int code = code_of(x[i + k], boundaries, count);
      for (int64_t j = 0; j < bits; ++j) planes[j] |= uint8_t((code >> j) & 1) << k;
    }
    for (int64_t j = 0; j < bits; ++j) packed[j * plane + i / 8] = planes[j];
  }
}

void fewbit_backward_scalar(const float* grad, const uint8_t* packed, float* out, int64_t plane,
                            int64_t begin, int64_t end, const float* levels, int64_t bits) {
  for (int64_t i = begin; i < end; ++i) {
    int code = 0;
    for (int64_t j = 0; j < bits; ++j) code |= ((packed[j * plane + i / 8] >> (i % 8)) & 1) << j;
    out[i] = grad[i] * levels[code];
  }
}

#if defined(CPU_CAPABILITY_AVX2)
void codes_avx2(const float* x, uint8_t* packed, int64_t plane, int64_t begin, int64_t end,
                const float* boundaries, int64_t count, int64_t bits) {
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256i code = _mm256_setzero_si256();
    if (count <= 15) {  // counting compares beats a search for the few boundaries of k <= 4
      for (int64_t j = 0; j < count; ++j) {
        const __m256 above = _mm256_cmp_ps(v, _mm256_set1_ps(boundaries[j]), _CMP_GT_OQ);
        code = _mm256_sub_epi32(code, _mm256_castps_si256(above));  // all ones = -1
      }
    } else {  // branchless binary search over 2^bits - 1 boundaries
      for (int64_t step = int64_t(1) << (bits - 1); step > 0; step >>= 1) {
        const __m256i probe = _mm256_add_epi32(code, _mm256_set1_epi32(int(step) - 1));
        const __m256 edge = _mm256_i32gather_ps(boundaries, probe, 4);
        const __m256i above = _mm256_castps_si256(_mm256_cmp_ps(v, edge, _CMP_GT_OQ));
        code = _mm256_add_epi32(code, _mm256_and_si256(above, _mm256_set1_epi32(int(step))));
      }
    }
    for (int64_t j = 0; j < bits; ++j) {  // bit j to the sign bit, then one byte per plane
      const __m256 sign = _mm256_castsi256_ps(_mm256_slli_epi32(code, int(31 - j)));
      packed[j * plane + i / 8] = static_cast<uint8_t>(_mm256_movemask_ps(sign));
    }
  }
  codes_scalar(x, packed, plane, i, end, boundaries, count, bits);
}

void fewbit_backward_avx2(const float* grad, const uint8_t* packed, float* out, int64_t plane,
                          int64_t begin, int64_t end, const float* levels, int64_t bits) {
  int64_t i = begin;
  const __m256i ones = _mm256_set1_epi32(1);
  const __m256 first8 = _mm256_loadu_ps(levels);  // levels are padded to >= 8 entries
  for (; i + 8 <= end; i += 8) {
    __m256i code = _mm256_setzero_si256();
    for (int64_t j = 0; j < bits; ++j) {
      const __m256i set = _mm256_castps_si256(expand_byte(packed[j * plane + i / 8]));
      code = _mm256_or_si256(code, _mm256_slli_epi32(_mm256_and_si256(set, ones), int(j)));
    }
    const __m256 scale = bits <= 3 ? _mm256_permutevar8x32_ps(first8, code)
                                   : _mm256_i32gather_ps(levels, code, 4);
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(grad + i), scale));
  }
  fewbit_backward_scalar(grad, packed, out, plane, i, end, levels, bits);
}
#endif

void check_bits(int64_t bits) {
  TORCH_CHECK(bits >= 1 && bits <= 8, "bits must be an integer in [1, 8]; got ", bits);
}

at::Tensor fewbit_codes(const at::Tensor& x_in, const at::Tensor& boundaries_in, int64_t bits) {
  check_bits(bits);
  TORCH_CHECK(x_in.device().is_cpu() && x_in.scalar_type() == at::kFloat,
              "actlab::fewbit_codes: expected a float32 CPU tensor");
  const at::Tensor boundaries = boundaries_in.to(at::kFloat).contiguous();
  TORCH_CHECK(boundaries.numel() == (int64_t(1) << bits) - 1,
              "actlab::fewbit_codes: need 2^bits - 1 boundaries, got ", boundaries.numel());
  const at::Tensor x = x_in.contiguous();
  const int64_t n = x.numel(), plane = (n + 7) / 8;
  at::Tensor packed = at::empty({bits * plane}, x.options().dtype(at::kByte));
  const float *px = x.data_ptr<float>(), *pb = boundaries.data_ptr<float>();
  uint8_t* pp = packed.data_ptr<uint8_t>();
  const int64_t count = boundaries.numel();
  at::parallel_for(0, plane, kGrainBytes, [&](int64_t b0, int64_t b1) {
#if defined(CPU_CAPABILITY_AVX2)
    codes_avx2(px, pp, plane, b0 * 8, std::min(n, b1 * 8), pb, count, bits);
#else
    codes_scalar(px, pp, plane, b0 * 8, std::min(n, b1 * 8), pb, count, bits);
#endif
  });
  return packed;
}

at::Tensor fewbit_backward(const at::Tensor& grad_in, const at::Tensor& packed,
                           const at::Tensor& levels_in, int64_t bits) {
  check_bits(bits);
  TORCH_CHECK(grad_in.device().is_cpu() && grad_in.scalar_type() == at::kFloat,
              "actlab::fewbit_backward: expected a float32 CPU gradient");
  const int64_t n = grad_in.numel(), plane = (n + 7) / 8;
  TORCH_CHECK(packed.scalar_type() == at::kByte && packed.is_contiguous() &&
                  packed.numel() == bits * plane,
              "actlab::fewbit_backward: packed codes must be ", bits * plane, " uint8 bytes");
  TORCH_CHECK(levels_in.numel() == (int64_t(1) << bits), "actlab::fewbit_backward: need 2^bits levels");
  // padded to 8 entries so that k < 3 can use the same 8-lane permute
  at::Tensor levels = at::zeros({std::max<int64_t>(8, levels_in.numel())}, grad_in.options());
  levels.narrow(0, 0, levels_in.numel()).copy_(levels_in);
  const at::Tensor grad = grad_in.contiguous();
  at::Tensor out = at::empty_like(grad);
  const float *pg = grad.data_ptr<float>(), *pl = levels.data_ptr<float>();
  const uint8_t* pp = packed.data_ptr<uint8_t>();
  float* po = out.data_ptr<float>();
  at::parallel_for(0, plane, kGrainBytes, [&](int64_t b0, int64_t b1) {
#if defined(CPU_CAPABILITY_AVX2)
    fewbit_backward_avx2(pg, pp, po, plane, b0 * 8, std::min(n, b1 * 8), pl, bits);
#else
    fewbit_backward_scalar(pg, pp, po, plane, b0 * 8, std::min(n, b1 * 8), pl, bits);
#endif
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Learnable kernels (float32 and float64): prelu, swish_learnable, pelu, apl, rational, spline.
// The forward is one pass over x; the backward one pass over (grad, x) that writes grad * f'(x)
// and reduces the parameters' gradients per channel in the same pass. Only x is kept for the
// backward. Each mirrors the pure-torch form in actlab/catalog (the tests compare the two): the
// same formula on finite x, the same limits and slopes at ±inf (from the parameters, as
// `limits_at_infinity` takes them; an infinite x sends no gradient to a parameter), and each
// comparison written as PyTorch's backward writes it, so NaN takes the same side.
//
// x is read as (outer, C, inner) around the channel dim. Two loops serve every kernel:
// - broadcast: one channel per run of `inner` elements (C = 1 when the parameters are shared,
//   then the whole tensor is one run), its parameters broadcast to every lane;
// - lanes: inner = 1 and C > 1 ((N, C) inputs with per-channel parameters), the lanes of a
//   vector are consecutive channels, their parameters loaded from a channels-last table.
// The work is cut into at most kMaxTiles tiles that do not depend on the thread count; each
// tile sums its parameter gradients in float64 (vector partial sums in T, flushed every
// kFlushVectors vectors), and the tiles are added in order: the result is the same for any
// number of threads.

enum LearnKind : int64_t { PRELU, SWISH, PELU, APL, RATIONAL, SPLINE };
const std::vector<std::string> kLearnKinds = {"prelu", "swish_learnable", "pelu",
                                              "apl",   "rational",        "spline"};

constexpr int64_t kMaxTiles = 64;
constexpr int64_t kFlushVectors = 128;
constexpr int64_t kFlushRows = 64;

template <typename T>
using VecT = at::vec::Vectorized<T>;

C10_ALWAYS_INLINE VecT<float> vexp(const VecT<float>& x) { return exp_(x); }
C10_ALWAYS_INLINE VecT<double> vexp(const VecT<double>& x) { return x.exp(); }
// e^z - 1 for z <= 0, given ez = e^z
C10_ALWAYS_INLINE VecT<float> vexpm1_neg(const VecT<float>& z, const VecT<float>& ez) {
  return expm1_neg(z, ez);
}
C10_ALWAYS_INLINE VecT<double> vexpm1_neg(const VecT<double>& z, const VecT<double>&) {
  return z.expm1();
}

// a * b + c: one fused multiply-add in float32, where the kernels are judged against the float64
// reference within a few float32 eps (an FMA rounds once, so it is the closer of the two); two
// roundings in float64, where they match the torch form (which rounds twice) to 1e-13.
C10_ALWAYS_INLINE VecT<float> mad(const VecT<float>& a, const VecT<float>& b,
                                  const VecT<float>& c) {
  return at::vec::fmadd(a, b, c);
}
C10_ALWAYS_INLINE VecT<double> mad(const VecT<double>& a, const VecT<double>& b,
                                   const VecT<double>& c) {
  return a * b + c;
}

template <typename T>
C10_ALWAYS_INLINE VecT<T> blend(const VecT<T>& when_false, const VecT<T>& when_true,
                                const VecT<T>& mask) {
  return VecT<T>::blendv(when_false, when_true, mask);
}

// sigmoid(u) and sigmoid'(u) from one e = e^-|u|: no overflow, no 1 - sigmoid cancellation.
template <typename T>
struct SigmoidPair {
  VecT<T> s, slope;
};
template <typename T>
C10_ALWAYS_INLINE SigmoidPair<T> sigmoid_pair(const VecT<T>& u) {
  const VecT<T> one(T(1)), e = vexp(u.abs().neg()), r = one / (one + e);
  return {blend(e * r, r, u >= VecT<T>(T(0))), e * r * r};
}
// float32: e = e^-u with the argument clamped to [-88, 86.6], so e stays finite and
// sigmoid = 1/(1 + e), sigmoid' = e sigmoid^2 need no branch on the sign of u and never
// cancel. Below u = -86.6 sigmoid is 0, as float32's (and the generic form's) e^u underflows
// to there; sigmoid' is then off by < 1e-38 (absolute), far below a float32 eps of f'.
// A NaN u gives NaN (nan_to), as the torch form does for a NaN beta.
template <>
C10_ALWAYS_INLINE SigmoidPair<float> sigmoid_pair<float>(const VecT<float>& u) {
  const VecT<float> one(1.f), e = nan_to(u, exp_clamped(u.neg())), r = one / (one + e);
  return {blend(r, VecT<float>(0.f), u < VecT<float>(-86.6f)), e * r * r};
}

// sigmoid_pair where u = beta x with a finite beta, so that u is NaN only where x is: float32
// leaves out the NaN restore (a NaN u gives sigmoid 1 there, and x carries the NaN into f, f'
// and beta's gradient), two operations on the kernel's critical path.
template <typename T>
C10_ALWAYS_INLINE SigmoidPair<T> sigmoid_pair_finite_scale(const VecT<T>& u) {
  return sigmoid_pair<T>(u);
}
template <>
C10_ALWAYS_INLINE SigmoidPair<float> sigmoid_pair_finite_scale<float>(const VecT<float>& u) {
  const VecT<float> one(1.f), e = exp_clamped(u.neg()), r = one / (one + e);
  return {blend(r, VecT<float>(0.f), u < VecT<float>(-86.6f)), e * r * r};
}

// Limits at ±inf: the formula sees 0 where x is infinite (as `limits_at_infinity`), the value
// there is the limit and the gradient the slope.
template <typename T>
struct Infinite {
  VecT<T> low, high, finite_x;  // masks x = -inf, x = +inf, and x with ±inf replaced by 0
  explicit Infinite(const VecT<T>& x)
      : low(x == VecT<T>(-std::numeric_limits<T>::infinity())),
        high(x == VecT<T>(std::numeric_limits<T>::infinity())),
        finite_x(blend(x, VecT<T>(T(0)), low | high)) {}
  VecT<T> value(const VecT<T>& y, const VecT<T>& at_low, const VecT<T>& at_high) const {
    return blend(blend(y, at_low, low), at_high, high);
  }
  VecT<T> finite(const VecT<T>& g) const { return blend(g, VecT<T>(T(0)), low | high); }
  VecT<T> slope(const VecT<T>& g, const VecT<T>& at_low, const VecT<T>& at_high) const {
    const VecT<T> zero(T(0));
    return blend(blend(zero, g * at_low, low), g * at_high, high);
  }
};

// Whether a lane of x is ±inf. Kernels test it once per vector and take a path without the
// Infinite blends when none is: the same values (those blends are the identity on finite x),
// about a fifth fewer instructions on the common path; the branch is all but always predicted.
template <typename T>
C10_ALWAYS_INLINE bool any_infinite(const VecT<T>& x) {
  const VecT<T> hit = x.abs() == VecT<T>(std::numeric_limits<T>::infinity());
  return hit.zero_mask() != (1 << VecT<T>::size()) - 1;  // a true lane is all ones, not 0.0
}

// 1 where !(v <= 0), else 0: relu's derivative as PyTorch's threshold_backward gives it (NaN
// passes the gradient).
template <typename T>
C10_ALWAYS_INLINE VecT<T> passes(const VecT<T>& v) {
  return blend(VecT<T>(T(1)), VecT<T>(T(0)), v <= VecT<T>(T(0)));
}
template <typename T>
C10_ALWAYS_INLINE VecT<T> relu_of(const VecT<T>& v) {
  return blend(v, VecT<T>(T(0)), v <= VecT<T>(T(0)));
}

// Parameter sources: the per-channel values a kernel reads, as vectors.
template <typename T>
struct Broadcast {  // every lane in one channel
  const VecT<T>* values;
  int64_t chan;
  C10_ALWAYS_INLINE VecT<T> operator[](int64_t j) const { return values[j]; }
  C10_ALWAYS_INLINE int64_t channel(int64_t) const { return chan; }
};
template <typename T>
struct Lanes {  // lane l in channel c + l, values from a (width, C) table
  const T* column;
  int64_t stride, count, chan;
  C10_ALWAYS_INLINE VecT<T> operator[](int64_t j) const {
    return VecT<T>::loadu(column + j * stride, count);
  }
  C10_ALWAYS_INLINE int64_t channel(int64_t lane) const {
    return chan + std::min(lane, count - 1);  // lanes past the tail read a real channel
  }
};

// Gradient sinks: add(j, v) adds the first `count` lanes of v to slot j; coefficients(lane) is
// the float64 row a lane scatters spline-coefficient gradients into.
// Lanes past the end of a partial vector hold x = 0 and grad = 0 (zero-filled loads) with real
// parameters, where every kernel's terms are finite: they add exact zeros, so the broadcast
// loop's sink adds whole vectors.
template <typename T>
struct RegisterSink {  // broadcast loop: vector partial sums
  VecT<T>* sums;
  int64_t count;
  double* const* lane_rows;
  C10_ALWAYS_INLINE void add(int64_t j, const VecT<T>& v) { sums[j] = sums[j] + v; }
  C10_ALWAYS_INLINE void add_mul(int64_t j, const VecT<T>& a, const VecT<T>& b) {
    sums[j] = mad(a, b, sums[j]);
  }
  C10_ALWAYS_INLINE double* coefficients(int64_t lane) const { return lane_rows[lane]; }
};
template <typename T>
struct MemorySink {  // lanes loop: a (slots, C) table in T
  T* column;
  int64_t stride, count;
  double* coef_rows;  // (C, coef_width) in float64, this tile's
  int64_t coef_width, chan;
  C10_ALWAYS_INLINE void add(int64_t j, const VecT<T>& v) {
    T* at = column + j * stride;
    (VecT<T>::loadu(at, count) + v).store(at, count);
  }
  C10_ALWAYS_INLINE void add_mul(int64_t j, const VecT<T>& a, const VecT<T>& b) {
    T* at = column + j * stride;
    mad(a, b, VecT<T>::loadu(at, count)).store(at, count);
  }
  C10_ALWAYS_INLINE double* coefficients(int64_t lane) const {
    return coef_rows + (chan + lane) * coef_width;
  }
};

// The kernels. Each has: width (per-channel values it reads, from setup), slots (vector
// gradient sums per channel), coef_width (scattered gradient sums per channel, spline only),
// f(x, p) and df(g, x, p, sink) -> grad * f'(x). `values` is (C, width), one row per channel.

template <typename T>
struct PreluKernel {  // values: w
  static constexpr int64_t kStaticSlots = 1;
  int64_t width = 1, slots = 1, coef_width = 0;
  template <class P>
  C10_ALWAYS_INLINE VecT<T> f(const VecT<T>& x, const P& p) const {
    return blend(p[0] * x, x, x > VecT<T>(T(0)));
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> df(const VecT<T>& g, const VecT<T>& x, const P& p, S& sink) const {
    const VecT<T> pos = x > VecT<T>(T(0));
    sink.add(0, blend(x * g, VecT<T>(T(0)), pos));
    return blend(p[0] * g, g, pos);
  }
};

// kFiniteBeta: every beta is finite (checked per call), so sigmoid needs no NaN restore.
template <typename T, bool kFiniteBeta = false>
struct SwishKernel {  // values: beta, low, high, slope_low, slope_high
  static constexpr int64_t kStaticSlots = 1;
  int64_t width = 5, slots = 1, coef_width = 0;
  static C10_ALWAYS_INLINE SigmoidPair<T> sigmoid(const VecT<T>& u) {
    if constexpr (kFiniteBeta) return sigmoid_pair_finite_scale<T>(u);
    return sigmoid_pair<T>(u);
  }
  template <class P>
  C10_ALWAYS_INLINE VecT<T> f(const VecT<T>& x, const P& p) const {
    if (!any_infinite<T>(x)) return x * sigmoid(p[0] * x).s;
    const Infinite<T> inf(x);
    const VecT<T> t = inf.finite_x;
    return inf.value(t * sigmoid(p[0] * t).s, p[1], p[2]);
  }
  // grad * f'(t) at finite t, plus `extra`; the parameter's gradient into the sink
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> finite_df(const VecT<T>& g, const VecT<T>& t, const P& p, S& sink,
                                      const VecT<T>& extra) const {
    const VecT<T> b = p[0];
    const SigmoidPair<T> sp = sigmoid(b * t);
    const VecT<T> gu = g * t * sp.slope;  // the gradient at u = beta x
    sink.add_mul(0, gu, t);
    return mad(g, sp.s, mad(gu, b, extra));
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> df(const VecT<T>& g_in, const VecT<T>& x, const P& p, S& sink) const {
    if (!any_infinite<T>(x)) return finite_df(g_in, x, p, sink, VecT<T>(T(0)));
    const Infinite<T> inf(x);
    return finite_df(inf.finite(g_in), inf.finite_x, p, sink, inf.slope(g_in, p[3], p[4]));
  }
};

template <typename T>
struct PeluKernel {  // values: a, b (clamped to the floor), a / b, 1 / b
  static constexpr int64_t kStaticSlots = 3;
  int64_t width = 4, slots = 3, coef_width = 0;  // slots: sum g x (x > 0), g expm1, g' n
  C10_ALWAYS_INLINE static VecT<T> negative_input(const VecT<T>& x, const VecT<T>& pos) {
    // where_safe's n = where(x > 0, 0, x), raised to -max: at -inf, n e^(n/b) is then 0, not NaN
    const VecT<T> n = blend(x, VecT<T>(T(0)), pos), lowest(-std::numeric_limits<T>::max());
    return blend(n, lowest, n < lowest);
  }
  template <class P>
  C10_ALWAYS_INLINE VecT<T> f(const VecT<T>& x, const P& p) const {
    // x / b as x * (1 / b): a division per vector is the costliest op here (within an ulp)
    const VecT<T> pos = x > VecT<T>(T(0)), v = negative_input(x, pos) * p[3];
    return blend(p[0] * vexpm1_neg(v, vexp(v)), p[2] * x, pos);
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> df(const VecT<T>& g, const VecT<T>& x, const P& p, S& sink) const {
    const VecT<T> zero(T(0)), pos = x > zero, n = negative_input(x, pos), v = n * p[3];
    const VecT<T> em1 = vexpm1_neg(v, vexp(v));
    const VecT<T> gv = g * p[0] * (em1 + VecT<T>(T(1)));  // the gradient at v = n / b
    sink.add(0, blend(zero, g * x, pos));
    sink.add(1, blend(g * em1, zero, pos));
    sink.add(2, blend(gv * n, zero, pos));
    return blend(gv * p[3], g * p[2], pos);
  }
};

template <typename T>
struct AplKernel {  // values: a_1..a_S, b_1..b_S, low, slope_low
  int64_t hinges;
  int64_t width, slots, coef_width = 0;
  explicit AplKernel(int64_t s) : hinges(s), width(2 * s + 2), slots(2 * s) {}
  template <class P>
  C10_ALWAYS_INLINE VecT<T> finite_f(const VecT<T>& t, const P& p) const {
    VecT<T> hinge_sum(T(0));
    for (int64_t s = 0; s < hinges; ++s) hinge_sum = hinge_sum + p[s] * relu_of<T>(p[hinges + s] - t);
    return relu_of<T>(t) + hinge_sum;
  }
  template <class P>
  C10_ALWAYS_INLINE VecT<T> f(const VecT<T>& x, const P& p) const {
    if (!any_infinite<T>(x)) return finite_f(x, p);
    const Infinite<T> inf(x);
    const VecT<T> high(std::numeric_limits<T>::infinity());
    return inf.value(finite_f(inf.finite_x, p), p[2 * hinges], high);
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> finite_df(const VecT<T>& g, const VecT<T>& t, const P& p, S& sink) const {
    VecT<T> gx = g * passes<T>(t);
    for (int64_t s = 0; s < hinges; ++s) {
      const VecT<T> d = p[hinges + s] - t, through = g * p[s] * passes<T>(d);
      sink.add(s, g * relu_of<T>(d));
      sink.add(hinges + s, through);
      gx = gx - through;
    }
    return gx;
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> df(const VecT<T>& g_in, const VecT<T>& x, const P& p, S& sink) const {
    if (!any_infinite<T>(x)) return finite_df(g_in, x, p, sink);
    const Infinite<T> inf(x);
    return finite_df(inf.finite(g_in), inf.finite_x, p, sink) +
           inf.slope(g_in, p[2 * hinges + 1], VecT<T>(T(1)));
  }
};

// Degrees (m, n) are run-time values, or compile-time ones (M, N > 0) for the default (5, 4):
// then the Horner loops unroll and the broadcast loop keeps its m + n + 1 gradient sums in
// registers (kStaticSlots), instead of loading and storing each one per vector.
template <typename T, int64_t M = 0, int64_t N = 0>
struct RationalKernel {  // values: a_0..a_m, b_1..b_n, low, high, slope_low, slope_high
  static constexpr int64_t kStaticSlots = M > 0 ? M + N + 1 : 0;
  int64_t m_, n_;
  int64_t width, slots, coef_width = 0;
  RationalKernel(int64_t m, int64_t n) : m_(m), n_(n), width(m + n + 5), slots(m + n + 1) {}
  C10_ALWAYS_INLINE int64_t m() const {
    if constexpr (M > 0) return M;
    return m_;
  }
  C10_ALWAYS_INLINE int64_t n() const {
    if constexpr (M > 0) return N;
    return n_;
  }
  template <class P>
  C10_ALWAYS_INLINE VecT<T> f(const VecT<T>& x, const P& p) const {
    if (!any_infinite<T>(x)) return finite_f(x, p);
    const Infinite<T> inf(x);
    const int64_t lim = m() + n() + 1;
    return inf.value(finite_f(inf.finite_x, p), p[lim], p[lim + 1]);
  }
  template <class P>
  C10_ALWAYS_INLINE VecT<T> finite_f(const VecT<T>& t, const P& p) const {
    const int64_t m = this->m(), n = this->n();
    VecT<T> num = p[m];
    for (int64_t j = m - 1; j >= 0; --j) num = mad(num, t, p[j]);
    VecT<T> h = p[m + n];
    for (int64_t k = n - 1; k >= 1; --k) h = mad(h, t, p[m + k]);
    const VecT<T> q = VecT<T>(T(1)) + (h * t).abs();
    return num / q;
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> df(const VecT<T>& g_in, const VecT<T>& x, const P& p, S& sink) const {
    if (!any_infinite<T>(x)) return finite_df(g_in, x, p, sink);
    const Infinite<T> inf(x);
    const int64_t lim = m() + n() + 1;
    return finite_df(inf.finite(g_in), inf.finite_x, p, sink) +
           inf.slope(g_in, p[lim + 2], p[lim + 3]);
  }
  template <class P, class S>
  C10_ALWAYS_INLINE VecT<T> finite_df(const VecT<T>& g, const VecT<T>& t, const P& p, S& sink) const {
    const int64_t m = this->m(), n = this->n();
    const VecT<T> zero(T(0)), one(T(1));
    VecT<T> num = p[m], num_d1 = zero;
    for (int64_t j = m - 1; j >= 0; --j) {
      num_d1 = mad(num_d1, t, num);
      num = mad(num, t, p[j]);
    }
    VecT<T> h = p[m + n], h_d1 = zero;
    for (int64_t k = n - 1; k >= 1; --k) {
      h_d1 = mad(h_d1, t, h);
      h = mad(h, t, p[m + k]);
    }
    const VecT<T> s = h * t, s_d1 = mad(t, h_d1, h), q = one + s.abs();
    const VecT<T> sign = blend(blend(zero, one.neg(), s < zero), one, s > zero);
    // one division (q >= 1): d(num/q)/dnum = 1/q, d(num/q)/dq = -num/q^2
    const VecT<T> r = one / q, gp = g * r, gs = (gp * num * r).neg() * sign;
    VecT<T> power = one;
    for (int64_t j = 0; j <= m; ++j) {
      sink.add_mul(j, gp, power);
      power = power * t;
    }
    power = t;
    for (int64_t k = 1; k <= n; ++k) {
      sink.add_mul(m + k, gs, power);
      power = power * t;
    }
    return mad(gp, num_d1, gs * s_d1);
  }
};

// Gradient sums a kernel keeps in registers in the broadcast loop (0: a run-time count).
template <class K>
constexpr int64_t static_slots() {
  if constexpr (requires { K::kStaticSlots; })
    return K::kStaticSlots;
  else
    return 0;
}

// Uniform B-spline of order k on [-bound, bound] plus w_b silu(x), as actlab's spline:
// f = w_b silu(x) + w_s sum_i c_i B_i(clamp(x, -bound, bound)). The knots are those of
// `knots()` in catalog/maths/spline.py, rounded to T as the torch form rounds them; the cell is
// found with the same comparisons (t_j <= x < t_(j+1)), so x = bound takes the cell right of
// the grid, as there. Within a cell the k + 1 non-zero bases are the uniform B-spline pieces of
// the local coordinate u (de Boor's triangle on integer knots, every denominator an integer).
// Cells and coefficients are found with vector gathers; the backward scatters each lane's
// k + 1 coefficient gradients into a float64 row of its own.
template <typename T>
struct SplineKernel {  // values: w_b, w_s, base(+inf), base'(+inf)
  using V = VecT<T>;
  using I = at::vec::int_same_size_t<T>;
  using IV = at::vec::Vectorized<I>;
  static constexpr int64_t L = V::size();
  int64_t order, grid;
  T bound, inv_h;
  const T* knots;  // grid + 2 order + 1
  const T* coef;   // (C, coef_width): c_i, zero-padded past grid + order
  int64_t width = 4, slots = 3, coef_width;  // slots: sum g silu, sum g S, NaN inputs
  T reciprocal[6];
  SplineKernel(int64_t k, int64_t g, T r, T ih, const T* t, const T* c)
      : order(k), grid(g), bound(r), inv_h(ih), knots(t), coef(c), coef_width(g + 2 * k + 1) {
    for (int64_t j = 1; j <= 5; ++j) reciprocal[j] = T(1) / static_cast<T>(j);
  }

  struct Local {
    IV first;  // index of the first non-zero basis, per lane
    V u;       // position in the cell, in [0, 1); NaN for NaN inputs
  };

  C10_ALWAYS_INLINE Local locate(const V& xc) const {
    const V nan = xc != xc, start(knots[order]);
    const V v = blend(xc, start, nan);  // NaN: any cell; u is NaN (counted in slot 2)
    V cell = ((v - start) * V(inv_h)).floor() + V(static_cast<T>(order));
    cell = at::vec::minimum(at::vec::maximum(cell, V(T(0))), V(static_cast<T>(grid + 2 * order - 1)));
    IV j = at::vec::convert_to_int_of_same_size(cell);
    // the floor is right to within one cell; the knots' own comparisons settle it
    const V below = v < at::vec::gather<sizeof(T)>(knots, j);
    const V above = v >= at::vec::gather<sizeof(T)>(knots, j + IV(I(1)));
    j = j + at::vec::cast<I>(below) - at::vec::cast<I>(above);
    const V u = (v - at::vec::gather<sizeof(T)>(knots, j)) * V(inv_h);
    return {j - IV(static_cast<I>(order)), blend(u, xc, nan)};
  }

  // N[0..k]: the bases of degree k at u; M[0..k-1]: those of degree k - 1 (for the slope)
  C10_ALWAYS_INLINE void bases(const V& u, V* N, V* M) const {
    N[0] = V(T(1));
    for (int64_t j = 1; j <= order; ++j) {
      if (j == order)
        for (int64_t r = 0; r < order; ++r) M[r] = N[r];
      V saved(T(0));
      const V scale(reciprocal[j]);
      for (int64_t r = 0; r < j; ++r) {
        const V temp = N[r] * scale;
        N[r] = saved + (V(static_cast<T>(r + 1)) - u) * temp;  // right[r+1] = r + 1 - u
        saved = (u + V(static_cast<T>(j - r - 1))) * temp;      // left[j-r] = u + j - r - 1
      }
      N[j] = saved;
    }
  }

  // Offsets of each lane's coefficient row.
  C10_ALWAYS_INLINE IV rows(const Broadcast<T>& p) const {
    return IV(static_cast<I>(p.chan * coef_width));
  }
  C10_ALWAYS_INLINE IV rows(const Lanes<T>& p) const {
    alignas(64) I offsets[L];
    for (int64_t l = 0; l < L; ++l) offsets[l] = static_cast<I>(p.channel(l) * coef_width);
    return IV::loadu(offsets);
  }

  C10_ALWAYS_INLINE V clamped(const V& x) const {
    return at::vec::minimum(at::vec::maximum(x, V(-bound)), V(bound));
  }

  template <class P>
  C10_ALWAYS_INLINE V f(const V& x, const P& p) const {
    const Infinite<T> inf(x);
    const V t = inf.finite_x, zero(T(0));
    const V base = inf.value(p[0] * (t * sigmoid_pair<T>(t).s), zero, p[2]);
    const Local at = locate(clamped(x));
    V N[6], M[6];
    bases(at.u, N, M);
    const IV index = rows(p) + at.first;
    V spline(T(0));
    for (int64_t r = 0; r <= order; ++r)
      spline = spline + N[r] * at::vec::gather<sizeof(T)>(coef, index + IV(static_cast<I>(r)));
    return base + p[1] * spline;
  }

  template <class P, class S>
  C10_ALWAYS_INLINE V df(const V& g_in, const V& x, const P& p, S& sink) const {
    const Infinite<T> inf(x);
    const V t = inf.finite_x, g = inf.finite(g_in), zero(T(0));
    const SigmoidPair<T> sp = sigmoid_pair<T>(t);
    sink.add(0, g * (t * sp.s));
    const V gx_base = g * p[0] * (sp.s + t * sp.slope) + inf.slope(g_in, zero, p[3]);
    const Local at = locate(clamped(x));
    V N[6], M[6];
    bases(at.u, N, M);
    const IV index = rows(p) + at.first;
    V spline(T(0)), slope(T(0)), previous = at::vec::gather<sizeof(T)>(coef, index);
    spline = N[0] * previous;
    for (int64_t r = 1; r <= order; ++r) {
      const V c = at::vec::gather<sizeof(T)>(coef, index + IV(static_cast<I>(r)));
      spline = spline + N[r] * c;
      slope = slope + M[r - 1] * (c - previous);
      previous = c;
    }
    sink.add(1, g_in * spline);
    sink.add(2, blend(zero, V(T(1)), x != x));
    const V gw = g_in * p[1];  // the gradient at the spline term
    alignas(64) T scatter[6][L];
    alignas(64) I first[L];
    for (int64_t r = 0; r <= order; ++r) (gw * N[r]).store(scatter[r]);
    at.first.store(first);
    const int64_t lanes = std::min<int64_t>(L, sink.count);
    for (int64_t l = 0; l < lanes; ++l) {
      double* row = sink.coefficients(l) + first[l];
      for (int64_t r = 0; r <= order; ++r) row[r] += double(scatter[r][l]);
    }
    const V inside = (x >= V(-bound)) & (x <= V(bound));
    return gx_base + blend(zero, gw * slope * V(inv_h), inside);
  }

  // the gradient of c_i from one channel's sums
  double coefficient_grad(const double* s, int64_t i) const { return s[slots + i]; }
};

// The uniform B-spline pieces as polynomials in the local coordinate: N_r(u) = sum_p B[r][p] u^p
// (r, p <= order), from de Boor's triangle on integer knots, in float64.
inline std::vector<double> uniform_basis(int64_t order) {
  const int64_t K = order + 1;
  std::vector<std::vector<double>> N(K, std::vector<double>(K, 0.0));
  N[0][0] = 1.0;
  for (int64_t j = 1; j <= order; ++j) {
    std::vector<double> saved(K, 0.0);
    for (int64_t r = 0; r < j; ++r) {
      std::vector<double> temp(K), next(K, 0.0);
      for (int64_t p = 0; p < K; ++p) temp[p] = N[r][p] / double(j);
      for (int64_t p = 0; p < K; ++p) {  // saved + (r + 1 - u) temp
        next[p] += saved[p] + double(r + 1) * temp[p];
        if (p + 1 < K) next[p + 1] -= temp[p];
      }
      std::fill(saved.begin(), saved.end(), 0.0);  // (u + j - r - 1) temp
      for (int64_t p = 0; p < K; ++p) {
        saved[p] += double(j - r - 1) * temp[p];
        if (p + 1 < K) saved[p + 1] += temp[p];
      }
      N[r] = next;
    }
    N[j] = saved;
  }
  std::vector<double> B(K * K);
  for (int64_t r = 0; r < K; ++r)
    for (int64_t p = 0; p < K; ++p) B[r * K + p] = N[r][p];
  return B;
}

#if defined(CPU_CAPABILITY_AVX2)
// The spline for float32 on a small grid (grid + 2 <= 8 knots from -bound on) with one
// channel per run: gathers cost 0.3-0.8 ns per element on the CPUs this was measured on, a
// register lookup (permutevar8x32) 0.03 ns. Each cell's spline is stored as a polynomial in u,
// a_p[cell] = sum_r c_(cell + r) B[r][p], one vector of cells per power p; the coefficients'
// gradients are gathered as per-cell moments sum g w_s u^p (vector slots) and turned into
// sum_p B[r][p] moment[cell][p] once per call.
template <int64_t order>
struct SplineSmallGrid {
  using T = float;
  using V = VecT<float>;
  int64_t grid;
  float bound, inv_h;
  __m256 knot_table;          // t_(order + q), q = 0 .. grid + 1
  std::vector<V> polynomial;  // (C, order + 1): a_p over the cells
  std::vector<double> basis;  // B, (order + 1)^2
  int64_t width = 4, slots, coef_width = 0;  // slots: sum g silu, sum g S, NaN, moments
  SplineSmallGrid(int64_t g, float r, float ih, const float* knots, const float* coef,
                  int64_t channels, int64_t cw)
      : grid(g), bound(r), inv_h(ih), basis(uniform_basis(order)),
        slots(3 + (g + 1) * (order + 1)) {
    constexpr int64_t k = order;
    alignas(32) float table[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t q = 0; q < grid + 2; ++q) table[q] = knots[order + q];
    knot_table = _mm256_load_ps(table);
    polynomial.resize(channels * (order + 1));
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p <= order; ++p) {
        alignas(32) float cells[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t q = 0; q <= grid; ++q) {
          double a = 0.0;
          for (int64_t r = 0; r <= order; ++r) a += double(coef[c * cw + q + r]) * basis[r * (k + 1) + p];
          cells[q] = float(a);
        }
        polynomial[c * (order + 1) + p] = V::loadu(cells);
      }
  }

  struct Local {
    __m256i cell;
    V u;
  };
  C10_ALWAYS_INLINE Local locate(const V& xc) const {
    const V nan = xc != xc, start(-bound);
    const V v = blend(xc, start, nan);
    const V cell = at::vec::minimum(((v - start) * V(inv_h)).floor(), V(float(grid)));
    __m256i q = _mm256_cvttps_epi32(cell);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256 below = _mm256_cmp_ps(v, _mm256_permutevar8x32_ps(knot_table, q), _CMP_LT_OQ);
    const __m256 above = _mm256_cmp_ps(
        v, _mm256_permutevar8x32_ps(knot_table, _mm256_add_epi32(q, one)), _CMP_GE_OQ);
    q = _mm256_sub_epi32(_mm256_add_epi32(q, _mm256_castps_si256(below)),
                         _mm256_castps_si256(above));
    const V u = (v - V(_mm256_permutevar8x32_ps(knot_table, q))) * V(inv_h);
    return {q, blend(u, xc, nan)};
  }
  C10_ALWAYS_INLINE V clamped(const V& x) const {
    return at::vec::minimum(at::vec::maximum(x, V(-bound)), V(bound));
  }
  C10_ALWAYS_INLINE V coefficient(int64_t chan, int64_t p, __m256i cell) const {
    return V(_mm256_permutevar8x32_ps(polynomial[chan * (order + 1) + p], cell));
  }

  template <class P>  // Broadcast only: with_learn_kernel never picks it for the lanes loop
  C10_ALWAYS_INLINE V f(const V& x, const P& p) const {
    const Infinite<float> inf(x);
    const V t = inf.finite_x, zero(0.f);
    const V base = inf.value(p[0] * (t * sigmoid_pair<float>(t).s), zero, p[2]);
    const Local at = locate(clamped(x));
    V spline = coefficient(p.chan, order, at.cell);
    for (int64_t q = order - 1; q >= 0; --q) spline = spline * at.u + coefficient(p.chan, q, at.cell);
    return base + p[1] * spline;
  }

  template <class P, class S>
  C10_ALWAYS_INLINE V df(const V& g_in, const V& x, const P& p, S& sink) const {
    const Infinite<float> inf(x);
    const V t = inf.finite_x, g = inf.finite(g_in), zero(0.f);
    const SigmoidPair<float> sp = sigmoid_pair<float>(t);
    sink.add(0, g * (t * sp.s));
    const V gx_base = g * p[0] * (sp.s + t * sp.slope) + inf.slope(g_in, zero, p[3]);
    const Local at = locate(clamped(x));
    V spline = coefficient(p.chan, order, at.cell), slope = zero;
    for (int64_t q = order - 1; q >= 0; --q) {
      slope = slope * at.u + spline;
      spline = spline * at.u + coefficient(p.chan, q, at.cell);
    }
    sink.add(1, g_in * spline);
    sink.add(2, blend(zero, V(1.f), x != x));
    const V gw = g_in * p[1];  // the gradient at the spline term
    V power[order + 1];
    power[0] = gw;
    for (int64_t q = 1; q <= order; ++q) power[q] = power[q - 1] * at.u;
    for (int64_t cell = 0; cell <= grid; ++cell) {
      const V in_cell(_mm256_castsi256_ps(_mm256_cmpeq_epi32(at.cell, _mm256_set1_epi32(int(cell)))));
      const int64_t first = 3 + cell * (order + 1);
      for (int64_t q = 0; q <= order; ++q) sink.add(first + q, power[q] & in_cell);
    }
    const V inside = (x >= V(-bound)) & (x <= V(bound));
    return gx_base + blend(zero, gw * slope * V(inv_h), inside);
  }

  double coefficient_grad(const double* s, int64_t i) const {
    double total = 0.0;
    for (int64_t r = 0; r <= order; ++r) {
      const int64_t cell = i - r;
      if (cell < 0 || cell > grid) continue;
      for (int64_t q = 0; q <= order; ++q)
        total += basis[r * (order + 1) + q] * s[3 + cell * (order + 1) + q];
    }
    return total;
  }
};
#endif

template <class K>
struct IsSpline : std::false_type {};
template <class T>
struct IsSpline<SplineKernel<T>> : std::true_type {};
#if defined(CPU_CAPABILITY_AVX2)
template <int64_t order>
struct IsSpline<SplineSmallGrid<order>> : std::true_type {};
#endif

struct Layout {
  int64_t outer = 1, channels = 1, inner = 1;
  bool lanes() const { return channels > 1 && inner == 1; }
};

// The broadcast loop's runs: chunks of kGrainElements elements when the parameters are shared
// (channel 0), else one run per (outer, channel) block of `inner` elements.
struct Runs {
  int64_t count, size, channels, numel;
  explicit Runs(const Layout& L) : channels(L.channels) {
    numel = L.outer * L.channels * L.inner;
    if (L.channels == 1) {
      size = kGrainElements;
      count = (numel + size - 1) / size;
    } else {
      size = L.inner;
      count = L.outer * L.channels;
    }
  }
  int64_t channel(int64_t run) const { return run % channels; }
  int64_t begin(int64_t run) const { return run * size; }
  int64_t end(int64_t run) const { return std::min(numel, (run + 1) * size); }
};

// At most kMaxTiles tiles of whole units (runs or rows), sized from the elements per unit.
struct Tiles {
  int64_t units, per_tile, count;
  Tiles(int64_t units_, int64_t unit_size) : units(units_) {
    const int64_t want = std::max<int64_t>(1, kGrainElements / std::max<int64_t>(1, unit_size));
    count = units == 0 ? 0 : std::min(kMaxTiles, (units + want - 1) / want);
    per_tile = count == 0 ? 0 : (units + count - 1) / count;
  }
};

// Runs body(tile, first_unit, end_unit) over the tiles, threaded.
template <typename F>
void for_tiles(const Tiles& tiles, F&& body) {
  at::parallel_for(0, tiles.count, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      body(t, t * tiles.per_tile, std::min(tiles.units, (t + 1) * tiles.per_tile));
  });
}

template <typename T>
struct Tables {
  int64_t width = 0;
  std::vector<T> rows;     // (C, width)
  std::vector<T> columns;  // (width, C): the lanes loop's layout
  void broadcast(int64_t c, std::vector<VecT<T>>& out) const {
    out.resize(width);
    for (int64_t j = 0; j < width; ++j) out[j] = VecT<T>(rows[c * width + j]);
  }
};

template <typename T, typename K>
void run_forward(const K& kernel, const Layout& L, const Tables<T>& tab, const T* x, T* y) {
  using V = VecT<T>;
  const int64_t C = L.channels;
  if (L.lanes()) {
    for_tiles(Tiles(L.outer, C), [&](int64_t, int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row)
        for (int64_t c = 0; c < C; c += V::size()) {
          const int64_t count = std::min<int64_t>(V::size(), C - c), at = row * C + c;
          const Lanes<T> p{tab.columns.data() + c, C, count, c};
          kernel.f(V::loadu(x + at, count), p).store(y + at, count);
        }
    });
    return;
  }
  const Runs runs(L);
  for_tiles(Tiles(runs.count, runs.size), [&](int64_t, int64_t b0, int64_t b1) {
    // Local copies: a vector store may alias any memory, so pointers read through the
    // closure would be loaded again after every store.
    const T* const xs = x;
    T* const ys = y;
    std::vector<V> values;
    for (int64_t run = b0; run < b1; ++run) {
      const int64_t c = runs.channel(run), end = runs.end(run);
      tab.broadcast(c, values);
      const Broadcast<T> p{values.data(), c};
      int64_t i = runs.begin(run);
      for (; i + V::size() <= end; i += V::size()) kernel.f(V::loadu(xs + i), p).store(ys + i);
      if (i < end) kernel.f(V::loadu(xs + i, end - i), p).store(ys + i, end - i);
    }
  });
}

// Returns (C, slots + coef_width) float64 sums, tiles added in order.
template <typename T, typename K>
std::vector<double> run_backward(const K& kernel, const Layout& L, const Tables<T>& tab,
                                 const T* g, const T* x, T* gx) {
  using V = VecT<T>;
  const int64_t C = L.channels, slots = kernel.slots, cw = kernel.coef_width;
  const int64_t stride = slots + cw;
  const bool lanes = L.lanes();
  const Runs runs(L);
  const Tiles tiles = lanes ? Tiles(L.outer, C) : Tiles(runs.count, runs.size);
  std::vector<double> partial(std::max<int64_t>(tiles.count, 1) * C * stride, 0.0);
  if (lanes) {
    for_tiles(tiles, [&](int64_t tile, int64_t r0, int64_t r1) {
      double* out = partial.data() + tile * C * stride;
      std::vector<double> coef(C * cw, 0.0);
      std::vector<T> sums(slots * C, T(0));
      auto flush = [&] {
        for (int64_t j = 0; j < slots; ++j)
          for (int64_t c = 0; c < C; ++c) {
            out[c * stride + j] += double(sums[j * C + c]);
            sums[j * C + c] = T(0);
          }
      };
      for (int64_t row = r0; row < r1; ++row) {
        for (int64_t c = 0; c < C; c += V::size()) {
          const int64_t count = std::min<int64_t>(V::size(), C - c), at = row * C + c;
          const Lanes<T> p{tab.columns.data() + c, C, count, c};
          MemorySink<T> sink{sums.data() + c, C, count, coef.data(), cw, c};
          kernel.df(V::loadu(g + at, count), V::loadu(x + at, count), p, sink).store(gx + at, count);
        }
        if ((row - r0 + 1) % kFlushRows == 0) flush();
      }
      flush();
      for (int64_t c = 0; c < C; ++c)
        for (int64_t j = 0; j < cw; ++j) out[c * stride + slots + j] += coef[c * cw + j];
    });
  } else {
    // A kernel with a compile-time slot count keeps its sums in a local array the compiler
    // holds in registers; the inner loop runs over whole vectors, kFlushVectors at a time.
    constexpr int64_t S = static_slots<K>();
    const int64_t nslots = S > 0 ? S : slots;
    for_tiles(tiles, [&](int64_t tile, int64_t b0, int64_t b1) {
      const T* const gs = g;  // local copies, as in run_forward
      const T* const xs = x;
      T* const gxs = gx;
      double* out = partial.data() + tile * C * stride;
      std::vector<V> values, dynamic_sums(S > 0 ? 0 : slots);
      std::array<V, (S > 0 ? S : 1)> fixed_sums;
      V* const sums = S > 0 ? fixed_sums.data() : dynamic_sums.data();
      // one float64 coefficient row per lane, so that lanes never add into the same address
      std::vector<double> lane_coef(V::size() * cw, 0.0);
      std::vector<double*> lane_rows(V::size());
      for (int64_t l = 0; l < V::size(); ++l) lane_rows[l] = lane_coef.data() + l * cw;
      for (int64_t run = b0; run < b1; ++run) {
        const int64_t c = runs.channel(run), end = runs.end(run);
        tab.broadcast(c, values);
        const Broadcast<T> p{values.data(), c};
        for (int64_t j = 0; j < nslots; ++j) sums[j] = V(T(0));
        auto flush = [&] {
          alignas(64) T parts[V::size()];
          for (int64_t j = 0; j < nslots; ++j) {
            sums[j].store(parts);
            double total = 0.0;
            for (int64_t l = 0; l < V::size(); ++l) total += double(parts[l]);
            out[c * stride + j] += total;
            sums[j] = V(T(0));
          }
        };
        RegisterSink<T> sink{sums, V::size(), lane_rows.data()};
        int64_t i = runs.begin(run);
        const int64_t whole_end = i + (end - i) / V::size() * V::size();
        while (i < whole_end) {
          const int64_t chunk_end = std::min(whole_end, i + kFlushVectors * V::size());
          for (; i < chunk_end; i += V::size())
            kernel.df(V::loadu(gs + i), V::loadu(xs + i), p, sink).store(gxs + i);
          flush();
        }
        if (i < end) {  // the tail: zero-filled lanes add exact zeros
          const int64_t count = end - i;
          sink.count = count;
          kernel.df(V::loadu(gs + i, count), V::loadu(xs + i, count), p, sink)
              .store(gxs + i, count);
          sink.count = V::size();
          flush();
        }
        for (int64_t l = 0; l < V::size() && cw > 0; ++l)
          for (int64_t j = 0; j < cw; ++j) {
            out[c * stride + slots + j] += lane_coef[l * cw + j];
            lane_coef[l * cw + j] = 0.0;
          }
      }
    });
  }
  std::vector<double> total(C * stride, 0.0);
  for (int64_t t = 0; t < tiles.count; ++t)
    for (int64_t i = 0; i < C * stride; ++i) total[i] += partial[t * C * stride + i];
  return total;
}

// The parameters as the op receives them: 2-D (C_p, K_p) tensors, C_p = 1 (shared) or C.
template <typename T>
struct Params {
  std::vector<const T*> data;
  std::vector<int64_t> channels, size;
  int64_t C = 1;
  T at(int64_t p, int64_t c, int64_t j) const {
    return data[p][(channels[p] == 1 ? 0 : c) * size[p] + j];
  }
};

template <typename T>
Params<T> read_params(const std::vector<at::Tensor>& keep) {
  Params<T> out;
  for (const at::Tensor& p : keep) {
    out.data.push_back(p.data_ptr<T>());
    out.channels.push_back(p.size(0));
    out.size.push_back(p.size(1));
    out.C = std::max(out.C, p.size(0));
  }
  return out;
}

template <typename T>
bool all_finite(const Params<T>& P, size_t p) {
  const int64_t n = P.channels[p] * P.size[p];
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(P.data[p][i])) return false;
  return true;
}

template <typename T>
T sign_of(T v) {  // torch.sign: 0 for 0 and NaN
  return v > T(0) ? T(1) : (v < T(0) ? T(-1) : T(0));
}

// (f(-inf), f(+inf), f'(-inf), f'(+inf)) of f ~ lead sign(x)^m |x|^(m-n): rational.py's
// leading_limits, written the same way (lead * 0 where the scale is 0, never 0 * inf).
template <typename T>
std::array<T, 4> leading_limits(T lead, int64_t m, int64_t n) {
  const T inf = std::numeric_limits<T>::infinity();
  const int64_t grow = m - n;
  const T size = grow > 0 ? inf : (grow == 0 ? T(1) : T(0));
  const T slope = grow > 1 ? inf : (grow == 1 ? T(1) : T(0));
  const T odd_f = (m % 2 == 0) ? T(1) : T(-1), odd_d1 = ((m + 1) % 2 == 0) ? T(1) : T(-1);
  auto times = [&](T scale, T sign) { return scale == T(0) ? lead * T(0) : lead * (scale * sign); };
  return {times(size, odd_f), times(size, T(1)), times(slope, odd_d1), times(slope, T(1))};
}

// Per-channel values each kernel reads (derived ones rounded to T, as the torch form does).
template <typename T>
Tables<T> make_tables(int64_t kind, const Params<T>& P, int64_t width, at::ArrayRef<double> consts) {
  const int64_t C = P.C;
  const T inf = std::numeric_limits<T>::infinity();
  Tables<T> tab;
  tab.width = width;
  tab.rows.assign(C * width, T(0));
  for (int64_t c = 0; c < C; ++c) {
    T* row = tab.rows.data() + c * width;
    switch (kind) {
      case PRELU: row[0] = P.at(0, c, 0); break;
      case SWISH: {
        const T b = P.at(0, c, 0), sign = sign_of(b);
        row[0] = b;
        row[1] = sign > T(0) ? T(0) : -inf;
        row[2] = sign < T(0) ? T(0) : inf;
        row[3] = (T(1) - sign) / T(2);
        row[4] = (T(1) + sign) / T(2);
        break;
      }
      case PELU: {
        const T floor = static_cast<T>(consts[0]);
        const T a = P.at(0, c, 0), b = P.at(1, c, 0);
        const T ae = a < floor ? floor : a, be = b < floor ? floor : b;  // clamp keeps NaN
        row[0] = ae;
        row[1] = be;
        row[2] = ae / be;
        row[3] = T(1) / be;
        break;
      }
      case APL: {
        const int64_t S = P.size[0];
        T total = T(0), weighted = T(0);
        for (int64_t s = 0; s < S; ++s) {
          row[s] = P.at(0, c, s);
          row[S + s] = P.at(1, c, s);
          total += row[s];
          weighted += row[s] * row[S + s];
        }
        row[2 * S] = total == T(0) ? weighted : total * inf;
        row[2 * S + 1] = -total;
        break;
      }
      case RATIONAL: {
        const int64_t m = P.size[0] - 1, n = P.size[1];
        for (int64_t j = 0; j <= m; ++j) row[j] = P.at(0, c, j);
        for (int64_t k = 1; k <= n; ++k) row[m + k] = P.at(1, c, k - 1);
        const std::array<T, 4> lim = leading_limits(row[m] / std::abs(row[m + n]), m, n);
        for (int64_t i = 0; i < 4; ++i) row[m + n + 1 + i] = lim[i];
        break;
      }
      default: {  // SPLINE
        const T wb = P.at(0, c, 0);
        row[0] = wb;
        row[1] = P.at(1, c, 0);
        row[2] = sign_of(wb) * (wb == T(0) ? T(0) : inf);
        row[3] = wb;
      }
    }
  }
  if (C > 1) {
    tab.columns.assign(width * C, T(0));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < width; ++j) tab.columns[j * C + c] = tab.rows[c * width + j];
  }
  return tab;
}

// Whether parameter p of a kind is a vector of coefficients (else one value per channel).
bool vector_parameter(int64_t kind, size_t p) {
  return kind == APL || kind == RATIONAL || (kind == SPLINE && p == 2);
}

// The parameters as (C_p, K_p) rows, contiguous: a 1-D tensor is a column of per-channel
// values (n, 1), or one shared row of coefficients (1, n). Callers pass a module's parameters
// as they are, so autograd records no reshape before the op (a view and its backward cost more
// than the kernel at small sizes).
std::vector<at::Tensor> as_rows(int64_t kind, at::TensorList params) {
  std::vector<at::Tensor> out;
  for (size_t p = 0; p < params.size(); ++p) {
    at::Tensor t = params[p].contiguous();
    if (t.dim() == 1) t = vector_parameter(kind, p) ? t.view({1, t.size(0)}) : t.view({t.size(0), 1});
    out.push_back(t);
  }
  return out;
}

void check_learnable(const at::Tensor& x, int64_t kind, at::TensorList params,
                     at::ArrayRef<double> consts, const char* op) {
  check_float(x, op);
  TORCH_CHECK(kind >= 0 && kind < int64_t(kLearnKinds.size()), op, ": unknown kind ", kind);
  const size_t want[] = {1, 1, 2, 2, 2, 3};
  TORCH_CHECK(params.size() == want[kind], op, ": ", kLearnKinds[kind], " takes ", want[kind],
              " parameter tensors, got ", params.size());
  int64_t C = 1;
  for (const at::Tensor& p : params) {
    TORCH_CHECK(p.dim() == 2 && p.size(1) >= 1, op, ": parameters must be 1-D or 2-D (C, K)");
    TORCH_CHECK(p.scalar_type() == x.scalar_type() && p.device().is_cpu(), op,
                ": parameters must be CPU tensors of x's dtype");
    C = std::max(C, p.size(0));
  }
  for (const at::Tensor& p : params)
    TORCH_CHECK(p.size(0) == 1 || p.size(0) == C, op, ": parameters disagree on the channels");
  if (kind == PELU) TORCH_CHECK(consts.size() == 1, op, ": pelu takes consts (floor)");
  if (kind == APL) TORCH_CHECK(params[0].size(1) == params[1].size(1), op, ": apl sizes differ");
  if (kind == SPLINE) {
    TORCH_CHECK(consts.size() == 3, op, ": spline takes consts (bound, grid_size, order)");
    const int64_t grid = int64_t(consts[1]), order = int64_t(consts[2]);
    TORCH_CHECK(grid >= 1 && order >= 1 && order <= 5 && consts[0] > 0, op, ": bad spline grid");
    TORCH_CHECK(params[2].size(1) == grid + order, op, ": spline needs grid + order coefficients");
  }
}

Layout learn_layout(const at::Tensor& x, int64_t dim, at::TensorList params) {
  int64_t C = 1;
  for (const at::Tensor& p : params) C = std::max(C, p.size(0));
  Layout L;
  if (C == 1) {
    L.inner = x.numel();
    return L;
  }
  const int64_t d = dim < 0 ? dim + x.dim() : dim;
  TORCH_CHECK(d >= 0 && d < x.dim() && x.size(d) == C, "actlab learnable kernel: ", C,
              " per-channel parameters do not fit dim ", dim, " of an input of shape ", x.sizes());
  L.channels = C;
  for (int64_t i = 0; i < d; ++i) L.outer *= x.size(i);
  for (int64_t i = d + 1; i < x.dim(); ++i) L.inner *= x.size(i);
  return L;
}

// Calls body(kernel) with the kernel object for `kind`, built for T.
template <typename T, typename F>
void with_learn_kernel(int64_t kind, const Params<T>& P, at::ArrayRef<double> consts, bool lanes,
                       std::vector<T>& spline_store, F&& body) {
  switch (kind) {
    case PRELU: return body(PreluKernel<T>{});
    case SWISH:
      if (all_finite(P, 0)) return body(SwishKernel<T, true>{});
      return body(SwishKernel<T>{});
    case PELU: return body(PeluKernel<T>{});
    case APL: return body(AplKernel<T>(P.size[0]));
    case RATIONAL:
      if (P.size[0] == 6 && P.size[1] == 4) return body(RationalKernel<T, 5, 4>(5, 4));
      return body(RationalKernel<T>(P.size[0] - 1, P.size[1]));
    default: {
      const double bound = consts[0];
      const int64_t grid = int64_t(consts[1]), order = int64_t(consts[2]);
      const int64_t knots = grid + 2 * order + 1, cw = grid + 2 * order + 1, C = P.C;
      // knots exactly as numpy computes them in float64 (spline.knots), then rounded to T
      const double h = 2.0 * bound / double(grid);
      spline_store.assign(knots + C * cw, T(0));
      for (int64_t j = 0; j < knots; ++j) {
        const double step = h * double(j - order);
        spline_store[j] = static_cast<T>(-bound + step);
      }
      T* coef = spline_store.data() + knots;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < grid + order; ++i) coef[c * cw + i] = P.at(2, c, i);
#if defined(CPU_CAPABILITY_AVX2)
      if constexpr (std::is_same_v<T, float>) {
        if (!lanes && grid + 2 <= 8) {
          const float r = float(bound), ih = float(1.0 / h);
          const float* t = spline_store.data();
          switch (order) {
            case 1: return body(SplineSmallGrid<1>(grid, r, ih, t, coef, C, cw));
            case 2: return body(SplineSmallGrid<2>(grid, r, ih, t, coef, C, cw));
            case 3: return body(SplineSmallGrid<3>(grid, r, ih, t, coef, C, cw));
            case 4: return body(SplineSmallGrid<4>(grid, r, ih, t, coef, C, cw));
            default: return body(SplineSmallGrid<5>(grid, r, ih, t, coef, C, cw));
          }
        }
      }
#endif
      return body(SplineKernel<T>(order, grid, static_cast<T>(bound), static_cast<T>(1.0 / h),
                                  spline_store.data(), coef));
    }
  }
}

at::Tensor learnable_forward(const at::Tensor& x_in, int64_t kind, at::TensorList params_in,
                             int64_t dim, at::ArrayRef<double> consts) {
  TORCH_CHECK(kind >= 0 && kind < int64_t(kLearnKinds.size()), "actlab::learnable_forward: "
              "unknown kind ", kind);
  const std::vector<at::Tensor> params = as_rows(kind, params_in);
  check_learnable(x_in, kind, params, consts, "actlab::learnable_forward");
  const at::Tensor x = x_in.contiguous();
  const Layout L = learn_layout(x, dim, params);
  at::Tensor y = at::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "learnable_forward", [&] {
    const Params<scalar_t> P = read_params<scalar_t>(params);
    std::vector<scalar_t> spline_store;
    with_learn_kernel<scalar_t>(kind, P, consts, L.lanes(), spline_store, [&](const auto& kernel) {
      const Tables<scalar_t> tab = make_tables<scalar_t>(kind, P, kernel.width, consts);
      run_forward<scalar_t>(kernel, L, tab, x.data_ptr<scalar_t>(), y.data_ptr<scalar_t>());
    });
  });
  return y;
}

// The parameters' gradients from the per-channel sums, in each parameter's own (C_p, K_p).
template <typename T, typename K>
void finish_gradients(const K& kernel, int64_t kind, const Params<T>& P, const Tables<T>& tab,
                      const std::vector<double>& sums, at::ArrayRef<double> consts,
                      std::vector<at::Tensor>& grads) {
  const int64_t width = kernel.width, stride = kernel.slots + kernel.coef_width;
  const int64_t C = P.C;
  for (size_t p = 0; p < grads.size(); ++p) grads[p].zero_();
  std::vector<std::vector<double>> acc(grads.size());
  for (size_t p = 0; p < grads.size(); ++p) acc[p].assign(grads[p].numel(), 0.0);
  auto add = [&](size_t p, int64_t c, int64_t j, double v) {
    acc[p][(P.channels[p] == 1 ? 0 : c) * P.size[p] + j] += v;
  };
  for (int64_t c = 0; c < C; ++c) {
    const double* s = sums.data() + c * stride;
    const T* row = tab.rows.data() + c * width;
    switch (kind) {
      case PRELU:
      case SWISH: add(0, c, 0, s[0]); break;
      case PELU: {
        const double floor = consts[0], ae = row[0], be = row[1];
        const double ga = s[0] / be + s[1], gb = -(s[0] * ae) / (be * be) - s[2] / (be * be);
        add(0, c, 0, P.at(0, c, 0) >= floor ? ga : 0.0);  // clamp's gradient: 0 below the floor
        add(1, c, 0, P.at(1, c, 0) >= floor ? gb : 0.0);
        break;
      }
      case APL:
      case RATIONAL: {
        int64_t slot = 0;
        for (size_t p = 0; p < 2; ++p)
          for (int64_t j = 0; j < P.size[p]; ++j) add(p, c, j, s[slot++]);
        break;
      }
      default: {  // SPLINE: a NaN input makes every coefficient's gradient NaN, as in torch
        add(0, c, 0, s[0]);
        add(1, c, 0, s[1]);
        const double nan_seen = s[2] > 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0;
        if constexpr (IsSpline<K>::value)
          for (int64_t i = 0; i < P.size[2]; ++i)
            add(2, c, i, kernel.coefficient_grad(s, i) + nan_seen);
      }
    }
  }
  for (size_t p = 0; p < grads.size(); ++p) {
    T* dst = grads[p].data_ptr<T>();
    for (int64_t i = 0; i < grads[p].numel(); ++i) dst[i] = static_cast<T>(acc[p][i]);
  }
}

std::vector<at::Tensor> learnable_backward(const at::Tensor& grad_in, const at::Tensor& x_in,
                                           int64_t kind, at::TensorList params_in, int64_t dim,
                                           at::ArrayRef<double> consts) {
  TORCH_CHECK(kind >= 0 && kind < int64_t(kLearnKinds.size()), "actlab::learnable_backward: "
              "unknown kind ", kind);
  const std::vector<at::Tensor> params = as_rows(kind, params_in);
  check_learnable(x_in, kind, params, consts, "actlab::learnable_backward");
  TORCH_CHECK(grad_in.sizes() == x_in.sizes() && grad_in.scalar_type() == x_in.scalar_type(),
              "actlab::learnable_backward: grad and x differ in shape or dtype");
  const at::Tensor x = x_in.contiguous(), grad = grad_in.contiguous();
  const Layout L = learn_layout(x, dim, params);
  at::Tensor gx = at::empty_like(x);
  std::vector<at::Tensor> grads;
  for (const at::Tensor& p : params) grads.push_back(at::empty_like(p));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "learnable_backward", [&] {
    const Params<scalar_t> P = read_params<scalar_t>(params);
    std::vector<scalar_t> spline_store;
    with_learn_kernel<scalar_t>(kind, P, consts, L.lanes(), spline_store, [&](const auto& kernel) {
      const Tables<scalar_t> tab = make_tables<scalar_t>(kind, P, kernel.width, consts);
      const std::vector<double> sums =
          run_backward<scalar_t>(kernel, L, tab, grad.data_ptr<scalar_t>(),
                                 x.data_ptr<scalar_t>(), gx.data_ptr<scalar_t>());
      finish_gradients<scalar_t>(kernel, kind, P, tab, sums, consts, grads);
    });
  });
  for (size_t p = 0; p < grads.size(); ++p)  // each in its parameter's own shape
    if (grads[p].sizes() != params_in[p].sizes()) grads[p] = grads[p].view(params_in[p].sizes());
  grads.insert(grads.begin(), gx);
  return grads;
}

// The autograd of `learnable`, in C++ as the mask kernels': no Python per call. The backward
// is `learnable_backward` (one pass); under double backward (grad mode on in the backward) it is
// `learnable_double_backward`, which actlab/kernels/learnable.py implements in Python as
// autograd of the torch form, so higher derivatives are exact.

at::Tensor call_learnable_forward(const at::Tensor& x, int64_t kind, at::TensorList params,
                                  int64_t dim, at::ArrayRef<double> consts) {
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("actlab::learnable_forward", "")
                             .typed<at::Tensor(const at::Tensor&, int64_t, at::TensorList, int64_t,
                                               at::ArrayRef<double>)>();
  return op.call(x, kind, params, dim, consts);
}

using LearnBackwardOp = std::vector<at::Tensor>(const at::Tensor&, const at::Tensor&, int64_t,
                                                at::TensorList, int64_t, at::ArrayRef<double>);

std::vector<at::Tensor> call_learnable_backward(bool graph, const at::Tensor& grad,
                                                const at::Tensor& x, int64_t kind,
                                                at::TensorList params, int64_t dim,
                                                at::ArrayRef<double> consts) {
  if (graph) {  // defined by actlab/kernels/learnable.py, looked up when first needed
    static const auto op = c10::Dispatcher::singleton()
                               .findSchemaOrThrow("actlab::learnable_double_backward", "")
                               .typed<LearnBackwardOp>();
    return op.call(grad, x, kind, params, dim, consts);
  }
  static const auto op = c10::Dispatcher::singleton()
                             .findSchemaOrThrow("actlab::learnable_backward", "")
                             .typed<LearnBackwardOp>();
  // nothing here is recorded: past the autograd keys, or the call would go through autograd's
  // boxed not-implemented fallback (its arguments boxed and its outputs checked, every step)
  at::AutoDispatchBelowADInplaceOrView below_autograd;
  return op.call(grad.contiguous(), x, kind, params, dim, consts);
}

// The autograd node of `learnable`, written as PyTorch's generated nodes are (saved variables
// and plain members) rather than as a torch::autograd::Function: the generic custom-function
// machinery (an IValue map for the constants, a mutex, per-call checks of every output) cost
// ~15 µs a call, as much as the kernel itself at the sizes of a small network's layer.
struct LearnableBackward : public torch::autograd::Node {
  torch::autograd::SavedVariable x_;
  std::vector<torch::autograd::SavedVariable> params_;
  int64_t kind_ = 0, dim_ = 0;
  std::vector<double> consts_;

  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    const size_t outputs = 1 + params_.size();
    torch::autograd::variable_list result(outputs);
    if (!grads[0].defined()) return result;  // no gradient flows in: none flows out
    const at::Tensor x = x_.unpack();
    std::vector<at::Tensor> params;
    params.reserve(params_.size());
    for (const auto& p : params_) params.push_back(p.unpack());
    // under create_graph the backward is itself recorded (learnable_double_backward)
    const bool graph = at::GradMode::is_enabled();
    std::vector<at::Tensor> out =
        call_learnable_backward(graph, grads[0], x, kind_, params, dim_, consts_);
    for (size_t i = 0; i < outputs; ++i)
      if (should_compute_output(i)) result[i] = std::move(out[i]);
    return result;
  }
  std::string name() const override { return "LearnableBackward"; }
  void release_variables() override {
    x_.reset_data();
    for (auto& p : params_) p.reset_data();
  }
};

// A new node, owned as this torch's autograd holds nodes (std::shared_ptr in older releases,
// c10::intrusive_ptr in newer ones): a template, so that only the branch for this torch is
// compiled.
using NodePointer = decltype(std::declval<torch::autograd::Edge>().function);
template <typename Pointer>
Pointer new_node(LearnableBackward*& raw) {
  if constexpr (std::is_same_v<Pointer, std::shared_ptr<torch::autograd::Node>>) {
    auto node = std::make_shared<LearnableBackward>();
    raw = node.get();
    return node;
  } else {
    auto node = c10::make_intrusive<LearnableBackward>();
    raw = node.get();
    return node;
  }
}

// ---------------------------------------------------------------------------------------------
// Streaming statistics (actlab.diagnose.Monitor): one read of x gives, in float64,
// [sum x, sum x^2, sum |x|, #(x > 0), #(x != 0), #(|x| < eps)] - what the Monitor otherwise
// gets from a float64 copy of x and four reductions over it. Comparisons are those of
// torch.gt / torch.ne / torch.lt on x's dtype (eps rounded to it, as a Python scalar is; NaN is
// != 0 and neither > 0 nor < eps). Fixed tiles, each summed in float64 (counts in integers), the
// tiles added in order: the bits do not depend on the thread count.

constexpr int64_t kStatTile = 65536;
constexpr int64_t kStatCount = 6;

template <typename T>
void stats_scalar(const T* x, int64_t n, T eps, double* out) {
  double sum = 0, squares = 0, abs_sum = 0;
  int64_t positive = 0, nonzero = 0, below = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i];
    const double d = static_cast<double>(v);
    sum += d;
    squares += d * d;
    abs_sum += std::abs(d);
    positive += v > T(0);
    nonzero += v != T(0);
    below += std::abs(v) < eps;
  }
  const double values[kStatCount] = {sum,
                                     squares,
                                     abs_sum,
                                     static_cast<double>(positive),
                                     static_cast<double>(nonzero),
                                     static_cast<double>(below)};
  for (int64_t k = 0; k < kStatCount; ++k) out[k] = values[k];
}

#if defined(CPU_CAPABILITY_AVX2)
inline double hsum(__m256d v) {
  const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}
inline int64_t hsum_counts(__m256i v) {  // each lane holds its own count
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  int64_t total = 0;
  for (int32_t lane : lanes) total += lane;
  return total;
}
// float32 by 8 lanes, each half widened to float64 before it is added
void stats_float_avx2(const float* x, int64_t n, float eps, double* out) {
  __m256d sum0 = _mm256_setzero_pd(), sum1 = sum0, sq0 = sum0, sq1 = sum0, ab0 = sum0, ab1 = sum0;
  __m256i positive = _mm256_setzero_si256(), nonzero = positive, below = positive;
  const __m256 zero = _mm256_setzero_ps(), bound = _mm256_set1_ps(eps);
  const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256d magnitude_mask_d = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  // two vectors per step into separate float64 accumulators: the adds of one do not wait for
  // the other's (an add's latency, not the memory, bounds a single chain)
  __m256d sum2 = sum0, sum3 = sum0, sq2 = sum0, sq3 = sum0, ab2 = sum0, ab3 = sum0;
  auto accumulate = [&](const __m256 v, __m256d& s_lo, __m256d& s_hi, __m256d& q_lo,
                        __m256d& q_hi, __m256d& a_lo, __m256d& a_hi) {
    const __m256 a = _mm256_and_ps(v, magnitude_mask);
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    s_lo = _mm256_add_pd(s_lo, lo);
    s_hi = _mm256_add_pd(s_hi, hi);
    q_lo = _mm256_fmadd_pd(lo, lo, q_lo);
    q_hi = _mm256_fmadd_pd(hi, hi, q_hi);
    // |x| in float64 by clearing the sign bit of the widened values: no second conversion
    a_lo = _mm256_add_pd(a_lo, _mm256_and_pd(lo, magnitude_mask_d));
    a_hi = _mm256_add_pd(a_hi, _mm256_and_pd(hi, magnitude_mask_d));
    // a true comparison is all ones, -1 as an integer: subtracting it counts
    positive = _mm256_sub_epi32(positive, _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
    nonzero = _mm256_sub_epi32(nonzero, _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ)));
    below = _mm256_sub_epi32(below, _mm256_castps_si256(_mm256_cmp_ps(a, bound, _CMP_LT_OQ)));
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    accumulate(_mm256_loadu_ps(x + i), sum0, sum1, sq0, sq1, ab0, ab1);
    accumulate(_mm256_loadu_ps(x + i + 8), sum2, sum3, sq2, sq3, ab2, ab3);
  }
  for (; i + 8 <= n; i += 8) accumulate(_mm256_loadu_ps(x + i), sum0, sum1, sq0, sq1, ab0, ab1);
  sum0 = _mm256_add_pd(sum0, sum2);
  sum1 = _mm256_add_pd(sum1, sum3);
  sq0 = _mm256_add_pd(sq0, sq2);
  sq1 = _mm256_add_pd(sq1, sq3);
  ab0 = _mm256_add_pd(ab0, ab2);
  ab1 = _mm256_add_pd(ab1, ab3);
  double tail[kStatCount];
  stats_scalar<float>(x + i, n - i, eps, tail);
  out[0] = hsum(_mm256_add_pd(sum0, sum1)) + tail[0];
  out[1] = hsum(_mm256_add_pd(sq0, sq1)) + tail[1];
  out[2] = hsum(_mm256_add_pd(ab0, ab1)) + tail[2];
  out[3] = static_cast<double>(hsum_counts(positive)) + tail[3];
  out[4] = static_cast<double>(hsum_counts(nonzero)) + tail[4];
  out[5] = static_cast<double>(hsum_counts(below)) + tail[5];
}
#endif

template <typename T>
void stats_tile(const T* x, int64_t n, T eps, double* out) {
#if defined(CPU_CAPABILITY_AVX2)
  if constexpr (std::is_same_v<T, float>) return stats_float_avx2(x, n, eps, out);
#endif
  stats_scalar<T>(x, n, eps, out);
}

at::Tensor tensor_stats(const at::Tensor& x_in, double eps) {
  check_float(x_in, "actlab::tensor_stats");
  const at::Tensor x = x_in.contiguous();
  const int64_t n = x.numel(), tiles = (n + kStatTile - 1) / kStatTile;
  std::vector<double> partial(static_cast<size_t>(std::max<int64_t>(tiles, 1) * kStatCount), 0.0);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "actlab::tensor_stats", [&] {
    const scalar_t* data = x.const_data_ptr<scalar_t>();
    const scalar_t bound = static_cast<scalar_t>(eps);
    at::parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t begin = t * kStatTile, end = std::min(n, begin + kStatTile);
        stats_tile<scalar_t>(data + begin, end - begin, bound, partial.data() + t * kStatCount);
      }
    });
  });
  at::Tensor out = at::empty({kStatCount}, x.options().dtype(at::kDouble));
  double* totals = out.data_ptr<double>();
  for (int64_t k = 0; k < kStatCount; ++k) totals[k] = 0.0;
  for (int64_t t = 0; t < tiles; ++t)
    for (int64_t k = 0; k < kStatCount; ++k) totals[k] += partial[t * kStatCount + k];
  return out;
}

// Columns [c, c1) of positive_columns by 8 lanes (float32 on AVX2), row by row (x is read in
// memory order, the running OR of each column block stays in L1); returns where it stopped.
template <typename T>
int64_t positive_columns_by_vectors(const T*, T*, int64_t, int64_t, int64_t c, int64_t) {
  return c;
}
#if defined(CPU_CAPABILITY_AVX2)
template <>
int64_t positive_columns_by_vectors<float>(const float* data, float* result, int64_t rows,
                                           int64_t C, int64_t c, int64_t c1) {
  const int64_t blocks = (c1 - c) / 8;
  if (blocks == 0) return c;
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
  std::vector<__m256> seen(static_cast<size_t>(blocks), zero);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = data + r * C + c;
    for (int64_t b = 0; b < blocks; ++b)
      seen[b] = _mm256_or_ps(seen[b], _mm256_cmp_ps(_mm256_loadu_ps(row + 8 * b), zero, _CMP_GT_OQ));
  }
  for (int64_t b = 0; b < blocks; ++b) _mm256_storeu_ps(result + c + 8 * b, _mm256_and_ps(seen[b], one));
  return c + 8 * blocks;
}
#endif

// For an (N, C) x: per column, 1 if some x[:, c] > 0, else 0 (x's dtype) - the per-unit maximum
// of ReLU's derivative, the indicator of x > 0, without making that indicator: one read of x,
// an OR per column. NaN is not > 0, as in torch.gt.
at::Tensor positive_columns(const at::Tensor& x_in) {
  check_float(x_in, "actlab::positive_columns");
  TORCH_CHECK(x_in.dim() == 2, "actlab::positive_columns: expected a 2-D tensor, got ",
              x_in.dim(), "-D");
  const at::Tensor x = x_in.contiguous();
  const int64_t rows = x.size(0), C = x.size(1);
  at::Tensor out = at::empty({C}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "actlab::positive_columns", [&] {
    const scalar_t* data = x.const_data_ptr<scalar_t>();
    scalar_t* result = out.data_ptr<scalar_t>();
    at::parallel_for(0, C, 256, [&](int64_t c0, int64_t c1) {
      int64_t c = positive_columns_by_vectors<scalar_t>(data, result, rows, C, c0, c1);
      for (; c < c1; ++c) {
        bool seen = false;
        for (int64_t r = 0; r < rows && !seen; ++r) seen = data[r * C + c] > scalar_t(0);
        result[c] = seen ? scalar_t(1) : scalar_t(0);
      }
    });
  });
  return out;
}

bool any_requires_grad(const at::Tensor& x, at::TensorList params) {
  if (x.requires_grad()) return true;
  for (const at::Tensor& p : params)
    if (p.requires_grad()) return true;
  return false;
}

at::Tensor learnable_autograd(const at::Tensor& x, int64_t kind, at::TensorList params,
                              int64_t dim, at::ArrayRef<double> consts) {
  if (!at::GradMode::is_enabled() || !any_requires_grad(x, params)) {  // nothing to record
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    return call_learnable_forward(x, kind, params, dim, consts);
  }
  at::Tensor y;
  {
    at::AutoDispatchBelowADInplaceOrView below_autograd;
    y = call_learnable_forward(x, kind, params, dim, consts);
  }
  LearnableBackward* node = nullptr;
  NodePointer owner = new_node<NodePointer>(node);
  node->set_next_edges(torch::autograd::collect_next_edges(x, params));
  node->x_ = torch::autograd::SavedVariable(x, /*is_output=*/false);
  for (const at::Tensor& p : params) node->params_.emplace_back(p, /*is_output=*/false);
  node->kind_ = kind;
  node->dim_ = dim;
  node->consts_ = consts.vec();
  torch::autograd::set_history(y, owner);
  return y;
}

std::vector<std::string> kinds(const std::string& family) {
  if (family == "mask") return kMaskKinds;
  if (family == "smooth") return kSmoothKinds;
  if (family == "learnable") return kLearnKinds;
  TORCH_CHECK(false, "unknown kernel family '", family, "'; valid: mask, smooth, learnable");
}

std::string isa() {
#if defined(CPU_CAPABILITY_AVX2)
  return "avx2";
#else
  return "scalar";
#endif
}

}  // namespace

TORCH_LIBRARY(actlab, m) {
  m.def("mask_forward(Tensor x, int kind, float a, float b) -> (Tensor, Tensor)");
  m.def("mask_backward(Tensor grad, Tensor packed, float slope) -> Tensor");
  m.def("lean_mask(Tensor x, int kind, float a, float b, float slope) -> Tensor");
  m.def("smooth_forward(Tensor x, int kind, float p) -> Tensor");
  m.def("smooth_backward(Tensor grad, Tensor x, int kind, float p) -> Tensor");
  m.def("fewbit_codes(Tensor x, Tensor boundaries, int bits) -> Tensor");
  m.def("fewbit_backward(Tensor grad, Tensor packed, Tensor levels, int bits) -> Tensor");
  m.def("learnable_forward(Tensor x, int kind, Tensor[] params, int dim, float[] consts) -> Tensor");
  m.def(
      "learnable_backward(Tensor grad, Tensor x, int kind, Tensor[] params, int dim, "
      "float[] consts) -> Tensor[]");
  m.def("learnable(Tensor x, int kind, Tensor[] params, int dim, float[] consts) -> Tensor");
  m.def("tensor_stats(Tensor x, float eps) -> Tensor");
  m.def("positive_columns(Tensor x) -> Tensor");
  m.def("kinds(str family) -> str[]", &kinds);
  m.def("isa() -> str", &isa);
}

TORCH_LIBRARY_IMPL(actlab, CPU, m) {
  m.impl("mask_forward", &mask_forward);
  m.impl("mask_backward", &mask_backward);
  m.impl("lean_mask", &lean_mask_cpu);
  m.impl("smooth_forward", &smooth_forward);
  m.impl("smooth_backward", &smooth_backward);
  m.impl("fewbit_codes", &fewbit_codes);
  m.impl("fewbit_backward", &fewbit_backward);
  m.impl("learnable_forward", &learnable_forward);
  m.impl("learnable_backward", &learnable_backward);
  m.impl("learnable", &learnable_forward);  // below autograd
  m.impl("tensor_stats", &tensor_stats);
  m.impl("positive_columns", &positive_columns);
}

TORCH_LIBRARY_IMPL(actlab, Autograd, m) {
  m.impl("lean_mask", &lean_mask_autograd);
  m.impl("mask_backward", &mask_backward_autograd);
  m.impl("learnable", &learnable_autograd);
}
