// actlab's fused CPU kernels: one pass over memory for each forward and each backward.
//
// Built on first use by actlab/kernels/compiled.py against the installed torch (its headers,
// its Sleef, its OpenMP thread pool through at::parallel_for) and loaded with
// torch.ops.load_library. Every op has a pure-torch twin in lean.py / fewbit.py that gives the
// same numbers; the tests compare the two.
//
// One translation unit on purpose: each one parses torch's headers again, ~15 s of the
// first-use build. Sections: piecewise-linear masks, their C++ autograd, elementary functions,
// smooth kernels, few-bit codes, registration.
//
// Bit layouts are those of actlab/kernels/bitpack.py: element i of a 1-bit mask is bit i % 8
// of byte i / 8; k-bit codes are k such planes, plane j holding bit j of every code.

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/cpu/vec/vec.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/zeros.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

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
C10_ALWAYS_INLINE V exp_(const V& x) {
#if defined(CPU_CAPABILITY_AVX2)
  // plain min/max (a NaN becomes a bound here; nan_to restores it at the end)
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-86.6f)), _mm256_set1_ps(88.f));
  const __m256 shifter = _mm256_set1_ps(12582912.f);
  const __m256 shifted = _mm256_fmadd_ps(xc, _mm256_set1_ps(1.44269504088896341f), shifter);
  const V n = V(_mm256_sub_ps(shifted, shifter));
  V r = fmadd(n, V(-0.693359375f), V(xc));
  r = fmadd(n, V(2.12194440e-4f), r);
  V p = fmadd(V(1.9875691500e-4f), r, V(1.3981999507e-3f));
  p = fmadd(p, r, V(8.3334519073e-3f));
  p = fmadd(p, r, V(4.1665795894e-2f));
  p = fmadd(p, r, V(1.6666665459e-1f));
  p = fmadd(p, r, V(5.0000001201e-1f));
  const V y = fmadd(p * r, r, r + V(1.f));  // e^r in [0.70, 1.42]
  const __m256i exponent = _mm256_slli_epi32(_mm256_castps_si256(shifted), 23);
  const V out = V(_mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(y), exponent)));
  return nan_to(x, V::blendv(out, V(0.f), x < V(-86.6f)));
#else
  return x.exp();
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

std::vector<std::string> kinds(const std::string& family) {
  if (family == "mask") return kMaskKinds;
  if (family == "smooth") return kSmoothKinds;
  TORCH_CHECK(false, "unknown kernel family '", family, "'; valid: mask, smooth");
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
}

TORCH_LIBRARY_IMPL(actlab, Autograd, m) {
  m.impl("lean_mask", &lean_mask_autograd);
  m.impl("mask_backward", &mask_backward_autograd);
}
