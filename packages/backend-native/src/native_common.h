// Shared helpers for the Kiln native addon.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>

namespace kiln {

inline float* F32(const Napi::Value& v) {
  auto a = v.As<Napi::Float32Array>();
  return a.Data();
}
inline size_t F32Len(const Napi::Value& v) {
  return v.As<Napi::Float32Array>().ElementLength();
}
inline int32_t* I32(const Napi::Value& v) {
  return v.As<Napi::Int32Array>().Data();
}
inline int64_t Int(const Napi::Value& v) {
  return v.As<Napi::Number>().Int64Value();
}
inline float Flt(const Napi::Value& v) {
  return v.As<Napi::Number>().FloatValue();
}
// Wraps a callback so C++ exceptions (e.g. dnnl::error) become JS errors.
template <typename F>
Napi::Function Fn(Napi::Env env, F f) {
  return Napi::Function::New(
      env, [f](const Napi::CallbackInfo& info) -> Napi::Value {
        try {
          return f(info);
        } catch (const Napi::Error&) {
          throw;
        } catch (const std::exception& e) {
          throw Napi::Error::New(info.Env(), std::string("kiln native: ") + e.what());
        }
      });
}

inline bool Bool(const Napi::Value& v) {
  return v.ToBoolean().Value();
}

// Activation codes shared with TypeScript (src/activation.ts).
enum Act { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeaky = 3, kSigmoid = 4, kElu = 5 };

int NumThreads();

void InitConv(Napi::Env env, Napi::Object exports);
void InitGemm(Napi::Env env, Napi::Object exports);
void InitPool(Napi::Env env, Napi::Object exports);
void InitEltwise(Napi::Env env, Napi::Object exports);
void InitLayout(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitGrads(Napi::Env env, Napi::Object exports);

// Applies bias (per last-dim channel, may be null) and activation in place.
void BiasAct(float* y, int64_t rows, int64_t cols, const float* bias, int act,
             float alpha);

}  // namespace kiln
