// Argument checks for every entry point: a wrong call from JavaScript throws a
// TypeError/RangeError naming the function and argument, never reaches MPI.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kmpi {

struct Span {
  uint8_t* data = nullptr;
  size_t bytes = 0;
};

inline void ArgCount(const Napi::CallbackInfo& info, size_t n, const char* signature) {
  if (info.Length() != n) {
    throw Napi::TypeError::New(info.Env(), std::string(signature) + " takes " + std::to_string(n) +
                                               " argument(s), got " + std::to_string(info.Length()));
  }
}

inline std::string Where(const char* fn, const std::string& what) { return std::string(fn) + ": " + what; }

/** A typed array's bytes; `float32Only` demands a Float32Array. */
inline Span TypedBytes(Napi::Env env, const Napi::Value& v, const char* fn, const std::string& name, bool float32Only) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, Where(fn, name + " is not a typed array"));
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  if (float32Only && t.TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, Where(fn, name + " is not a Float32Array"));
  }
  Span s;
  s.bytes = t.ByteLength();
  if (s.bytes > 0) s.data = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  return s;
}

/** An Array of typed arrays; the caller keeps each element alive through `keep`. */
template <typename KeepFn>
std::vector<Span> TypedList(Napi::Env env, const Napi::Value& v, const char* fn, bool float32Only, KeepFn keep) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, Where(fn, "arrays must be an Array of typed arrays"));
  Napi::Array list = v.As<Napi::Array>();
  std::vector<Span> out;
  out.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    out.push_back(TypedBytes(env, item, fn, "arrays[" + std::to_string(i) + "]", float32Only));
    keep(item.As<Napi::Object>());
  }
  return out;
}

/** Reduced-in-place buffers must not share memory: a value would be summed twice. */
inline void NoOverlap(Napi::Env env, std::vector<Span> spans, const char* fn) {
  spans.erase(std::remove_if(spans.begin(), spans.end(), [](const Span& s) { return s.bytes == 0; }), spans.end());
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.data < b.data; });
  for (size_t i = 1; i < spans.size(); i++) {
    if (spans[i - 1].data + spans[i - 1].bytes > spans[i].data) {
      throw Napi::RangeError::New(env, Where(fn, "two of the arrays (or an array and the fusion buffer) share memory"));
    }
  }
}

inline int IntArg(Napi::Env env, const Napi::Value& v, const char* fn, const char* name, int lo, int hi) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, Where(fn, std::string(name) + " must be a number"));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi) {
    throw Napi::RangeError::New(env, Where(fn, std::string(name) + " must be an integer in " + std::to_string(lo) +
                                                   ".." + std::to_string(hi)));
  }
  return static_cast<int>(d);
}

}  // namespace kmpi
