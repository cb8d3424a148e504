// 2D convolution (forward, backward-data, backward-weights) on oneDNN.
// Layouts: activations NHWC, filters HWIO (groups == 1) or depthwise
// [KH, KW, C, M] (groups == C). Primitives are cached by shape.
#include "native_common.h"
#include <dnnl.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace kiln {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

engine& Eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& Strm() {
  static stream s(Eng());
  return s;
}

// Param order (Int32Array): N IH IW IC OH OW OC KH KW SH SW DH DW PT PL PB PR G
// ACT HASBIAS
struct P {
  int64_t n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, g;
  int act, bias;
};
P Read(const int32_t* p) {
  return P{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
           p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19]};
}

memory::dims WDims(const P& p) {
  if (p.g == 1) return {p.oc, p.ic, p.kh, p.kw};
  return {p.g, p.oc / p.g, p.ic / p.g, p.kh, p.kw};
}
memory::desc UserW(const P& p) {
  if (p.g == 1) return memory::desc(WDims(p), dt::f32, tag::hwio);
  // Depthwise filter [KH][KW][C][M]: g stride M, oc stride 1.
  int64_t m = p.oc / p.g;
  memory::dims strides = {m, 1, p.oc, p.kw * p.oc, p.oc};
  return memory::desc(WDims(p), dt::f32, strides);
}
memory::desc Src(const P& p) {
  return memory::desc({p.n, p.ic, p.ih, p.iw}, dt::f32, tag::nhwc);
}
memory::desc Dst(const P& p) {
  return memory::desc({p.n, p.oc, p.oh, p.ow}, dt::f32, tag::nhwc);
}

struct Entry {
  std::unique_ptr<convolution_forward::primitive_desc> fpd;
  std::unique_ptr<primitive> prim;
  memory::desc wdesc;       // weights (or diff weights) desc used by prim
  memory::desc userw;
  bool reorderW = false;
  std::unique_ptr<memory> wbuf;  // internal weights buffer if reordered
  std::unique_ptr<reorder> wreorder;
};

std::unordered_map<std::string, std::unique_ptr<Entry>> g_cache;
std::mutex g_mu;

std::string Key(int kind, const P& p, float alpha) {
  std::string k = std::to_string(kind);
  const int64_t* a = &p.n;
  for (int i = 0; i < 18; i++) k += "," + std::to_string(a[i]);
  k += "," + std::to_string(p.act) + "," + std::to_string(p.bias) + "," +
       std::to_string(alpha);
  return k;
}

primitive_attr MakeAttr(int act, float alpha) {
  primitive_attr attr;
  post_ops ops;
  switch (act) {
    case kRelu: ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); break;
    case kRelu6: ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); break;
    case kLeaky: ops.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f); break;
    case kSigmoid: ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); break;
    case kElu: ops.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f); break;
    default: break;
  }
  attr.set_post_ops(ops);
  return attr;
}

convolution_forward::primitive_desc* MakeFwd(const P& p, bool bias, int act,
                                             float alpha, prop_kind pk) {
  memory::desc wany(WDims(p), dt::f32, tag::any);
  memory::desc bmd = bias ? memory::desc({p.oc}, dt::f32, tag::x) : memory::desc();
  convolution_forward::desc d(pk, algorithm::convolution_direct, Src(p), wany,
                              bmd, Dst(p), {p.sh, p.sw}, {p.dh - 1, p.dw - 1},
                              {p.pt, p.pl}, {p.pb, p.pr});
  return new convolution_forward::primitive_desc(d, MakeAttr(act, alpha), Eng());
}

void SetupW(Entry* e, const memory::desc& wd, bool toUser) {
  e->wdesc = wd;
  e->reorderW = !(wd == e->userw);
  if (e->reorderW) {
    e->wbuf.reset(new memory(wd, Eng()));
    memory userMem(e->userw, Eng(), DNNL_MEMORY_NONE);
    auto rpd = toUser ? reorder::primitive_desc(*e->wbuf, userMem)
                      : reorder::primitive_desc(userMem, *e->wbuf);
    e->wreorder.reset(new reorder(rpd));
  }
}

Entry* Get(int kind, const P& p, float alpha) {
  std::string key = Key(kind, p, alpha);
  auto it = g_cache.find(key);
  if (it != g_cache.end()) return it->second.get();
  // Bound memory when shapes keep changing (each entry owns a weights buffer).
  if (g_cache.size() >= 512) g_cache.clear();
  auto e = std::make_unique<Entry>();
  e->userw = UserW(p);
  if (kind == 0) {
    e->fpd.reset(MakeFwd(p, p.bias != 0, p.act, alpha, prop_kind::forward_inference));
    e->prim.reset(new convolution_forward(*e->fpd));
    SetupW(e.get(), e->fpd->weights_desc(), false);
  } else if (kind == 1) {
    e->fpd.reset(MakeFwd(p, false, kLinear, 0.f, prop_kind::forward_training));
    memory::desc wany(WDims(p), dt::f32, tag::any);
    convolution_backward_data::desc d(algorithm::convolution_direct, Src(p),
                                      wany, Dst(p), {p.sh, p.sw},
                                      {p.dh - 1, p.dw - 1}, {p.pt, p.pl},
                                      {p.pb, p.pr});
    convolution_backward_data::primitive_desc pd(d, Eng(), *e->fpd);
    e->prim.reset(new convolution_backward_data(pd));
    SetupW(e.get(), pd.weights_desc(), false);
  } else {
    e->fpd.reset(MakeFwd(p, p.bias != 0, kLinear, 0.f, prop_kind::forward_training));
    memory::desc wany(WDims(p), dt::f32, tag::any);
    memory::desc bmd = p.bias ? memory::desc({p.oc}, dt::f32, tag::x) : memory::desc();
    convolution_backward_weights::desc d(algorithm::convolution_direct, Src(p),
                                         wany, bmd, Dst(p), {p.sh, p.sw},
                                         {p.dh - 1, p.dw - 1}, {p.pt, p.pl},
                                         {p.pb, p.pr});
    convolution_backward_weights::primitive_desc pd(d, Eng(), *e->fpd);
    e->prim.reset(new convolution_backward_weights(pd));
    SetupW(e.get(), pd.diff_weights_desc(), true);
  }
  Entry* raw = e.get();
  g_cache.emplace(key, std::move(e));
  return raw;
}

// convForward(params, x, w, bias|null, y, alpha)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  P p = Read(I32(info[0]));
  float alpha = Flt(info[5]);
  std::lock_guard<std::mutex> lk(g_mu);
  Entry* e = Get(0, p, alpha);
  memory src(Src(p), Eng(), F32(info[1]));
  memory userW(e->userw, Eng(), F32(info[2]));
  memory dst(Dst(p), Eng(), F32(info[4]));
  if (e->reorderW) e->wreorder->execute(Strm(), userW, *e->wbuf);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, e->reorderW ? *e->wbuf : userW},
      {DNNL_ARG_DST, dst}};
  if (p.bias) {
    args.insert({DNNL_ARG_BIAS,
                 memory(memory::desc({p.oc}, dt::f32, tag::x), Eng(), F32(info[3]))});
  }
  e->prim->execute(Strm(), args);
  Strm().wait();
  return info.Env().Undefined();
}

// convBackwardData(params, dy, w, dx)
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  P p = Read(I32(info[0]));
  p.act = 0;
  p.bias = 0;
  std::lock_guard<std::mutex> lk(g_mu);
  Entry* e = Get(1, p, 0.f);
  memory ddst(Dst(p), Eng(), F32(info[1]));
  memory userW(e->userw, Eng(), F32(info[2]));
  memory dsrc(Src(p), Eng(), F32(info[3]));
  if (e->reorderW) e->wreorder->execute(Strm(), userW, *e->wbuf);
  e->prim->execute(Strm(), {{DNNL_ARG_DIFF_DST, ddst},
                            {DNNL_ARG_WEIGHTS, e->reorderW ? *e->wbuf : userW},
                            {DNNL_ARG_DIFF_SRC, dsrc}});
  Strm().wait();
  return info.Env().Undefined();
}

// convBackwardFilter(params, x, dy, dw, dbias|null)
Napi::Value ConvBackwardFilter(const Napi::CallbackInfo& info) {
  P p = Read(I32(info[0]));
  p.act = 0;
  std::lock_guard<std::mutex> lk(g_mu);
  Entry* e = Get(2, p, 0.f);
  memory src(Src(p), Eng(), F32(info[1]));
  memory ddst(Dst(p), Eng(), F32(info[2]));
  memory userW(e->userw, Eng(), F32(info[3]));
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst},
      {DNNL_ARG_DIFF_WEIGHTS, e->reorderW ? *e->wbuf : userW}};
  if (p.bias) {
    args.insert({DNNL_ARG_DIFF_BIAS,
                 memory(memory::desc({p.oc}, dt::f32, tag::x), Eng(), F32(info[4]))});
  }
  e->prim->execute(Strm(), args);
  if (e->reorderW) e->wreorder->execute(Strm(), *e->wbuf, userW);
  Strm().wait();
  return info.Env().Undefined();
}

Napi::Value CacheSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(g_cache.size()));
}

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Fn(env, ConvForward));
  exports.Set("convBackwardData", Fn(env, ConvBackwardData));
  exports.Set("convBackwardFilter", Fn(env, ConvBackwardFilter));
  exports.Set("convCacheSize", Fn(env, CacheSize));
}

}  // namespace kiln
