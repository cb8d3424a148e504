// The addon's one oneDNN CPU engine and stream, shared by every kernel file
// (all primitives execute on the JS thread; conv.cc adds its own mutex).
#pragma once
#include <dnnl.hpp>

namespace kiln {

inline dnnl::engine& DnnlEngine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

inline dnnl::stream& DnnlStream() {
  static dnnl::stream s(DnnlEngine());
  return s;
}

}  // namespace kiln
