// N-API entry points of @kiln/mpi. Collectives return promises and run on the comm
// thread (comm_thread.h), reading and writing the callers' typed arrays in place.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "args.h"
#include "comm_thread.h"

namespace kmpi {
namespace {

// MPI counts are int: larger buffers go in pieces.
constexpr size_t kMaxCount = size_t(1) << 30;

void RequireStarted(Napi::Env env, const char* fn) {
  if (Thread().finalized()) throw Napi::Error::New(env, std::string(fn) + ": MPI was finalized");
  if (!Thread().started()) throw Napi::Error::New(env, std::string(fn) + ": MPI is not initialised (call init() first)");
}

void AllreduceFloats(float* p, size_t n, MPI_Comm comm) {
  for (size_t off = 0; off < n; off += kMaxCount) {
    int count = static_cast<int>(std::min(kMaxCount, n - off));
    Check(MPI_Allreduce(MPI_IN_PLACE, p + off, count, MPI_FLOAT, MPI_SUM, comm), "MPI_Allreduce");
  }
}

void BcastBytes(uint8_t* p, size_t n, int root, MPI_Comm comm) {
  for (size_t off = 0; off < n; off += kMaxCount) {
    int count = static_cast<int>(std::min(kMaxCount, n - off));
    Check(MPI_Bcast(p + off, count, MPI_BYTE, root, comm), "MPI_Bcast");
  }
}

/** Sums (or averages) float32 arrays over ranks; packed into `scratch` when given (one MPI call). */
struct AllreduceJob : Job {
  using Job::Job;
  std::vector<Span> arrays;
  Span scratch;
  bool mean = false;
  void Execute() override {
    const int size = Thread().world().size;
    // Division matches Kiln's IPC path bit for bit; for a power-of-two world, multiplying by
    // 1/size is exactly the same operation (both round the same exact quotient) and much faster.
    const bool pow2 = (size & (size - 1)) == 0;
    const float d = static_cast<float>(size), inv = 1.0f / d;
    auto scale = [&](float* p, size_t n) {
      if (!mean || size == 1) return;
      if (pow2) {
        for (size_t i = 0; i < n; i++) p[i] *= inv;
      } else {
        for (size_t i = 0; i < n; i++) p[i] /= d;
      }
    };
    if (scratch.data) {
      size_t off = 0;
      for (const Span& a : arrays) {
        if (a.bytes) std::memcpy(scratch.data + off, a.data, a.bytes);
        off += a.bytes;
      }
      float* f = reinterpret_cast<float*>(scratch.data);
      AllreduceFloats(f, off / 4, Thread().comm());
      scale(f, off / 4);
      off = 0;
      for (const Span& a : arrays) {
        if (a.bytes) std::memcpy(a.data, scratch.data + off, a.bytes);
        off += a.bytes;
      }
      return;
    }
    for (const Span& a : arrays) {
      float* f = reinterpret_cast<float*>(a.data);
      AllreduceFloats(f, a.bytes / 4, Thread().comm());
      scale(f, a.bytes / 4);
    }
  }
};

/** Root's bytes to every rank, into the same arrays; packed into `scratch` when given. */
struct BroadcastJob : Job {
  using Job::Job;
  std::vector<Span> arrays;
  Span scratch;
  int root = 0;
  void Execute() override {
    MPI_Comm comm = Thread().comm();
    const bool isRoot = Thread().world().rank == root;
    if (scratch.data) {
      size_t total = 0;
      for (const Span& a : arrays) {
        if (isRoot && a.bytes) std::memcpy(scratch.data + total, a.data, a.bytes);
        total += a.bytes;
      }
      BcastBytes(scratch.data, total, root, comm);
      if (isRoot) return;
      size_t off = 0;
      for (const Span& a : arrays) {
        if (a.bytes) std::memcpy(a.data, scratch.data + off, a.bytes);
        off += a.bytes;
      }
      return;
    }
    for (const Span& a : arrays) BcastBytes(a.data, a.bytes, root, comm);
  }
};

/** Every rank's bytes, concatenated in rank order (sizes first, then one MPI_Allgatherv). */
struct AllgatherJob : Job {
  using Job::Job;
  Span input;
  std::vector<int64_t> sizes;
  std::vector<uint8_t> output;
  void Execute() override {
    MPI_Comm comm = Thread().comm();
    const int size = Thread().world().size;
    int64_t mine = static_cast<int64_t>(input.bytes);
    sizes.assign(size, 0);
    Check(MPI_Allgather(&mine, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, comm), "MPI_Allgather");
    std::vector<int> counts(size), displs(size);
    int64_t total = 0;
    for (int r = 0; r < size; r++) {
      if (sizes[r] > INT32_MAX || total + sizes[r] > INT32_MAX) {
        throw std::runtime_error("allgather: more than 2 GiB gathered (rank " + std::to_string(r) + " sent " +
                                 std::to_string(sizes[r]) + " bytes)");
      }
      counts[r] = static_cast<int>(sizes[r]);
      displs[r] = static_cast<int>(total);
      total += sizes[r];
    }
    output.resize(static_cast<size_t>(total));
    uint8_t dummy = 0;
    Check(MPI_Allgatherv(input.data ? input.data : &dummy, static_cast<int>(mine), MPI_BYTE,
                         output.empty() ? &dummy : output.data(), counts.data(), displs.data(), MPI_BYTE, comm),
          "MPI_Allgatherv");
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("data", Napi::Buffer<uint8_t>::Copy(env, output.data(), output.size()));
    Napi::Array s = Napi::Array::New(env, sizes.size());
    for (size_t i = 0; i < sizes.size(); i++) s.Set(static_cast<uint32_t>(i), static_cast<double>(sizes[i]));
    o.Set("sizes", s);
    return o;
  }
};

struct BarrierJob : Job {
  using Job::Job;
  void Execute() override { Check(MPI_Barrier(Thread().comm()), "MPI_Barrier"); }
};

/** Optional fusion buffer (null/undefined or a typed array) with room for `need` bytes. */
Span Scratch(Napi::Env env, const Napi::Value& v, const char* fn, bool float32Only, size_t need, Job* job) {
  if (v.IsNull() || v.IsUndefined()) return Span{};
  Span s = TypedBytes(env, v, fn, "scratch", float32Only);
  if (s.bytes < need) {
    throw Napi::RangeError::New(env, Where(fn, "scratch holds " + std::to_string(s.bytes) + " bytes but the arrays need " +
                                                   std::to_string(need)));
  }
  job->Keep(v.As<Napi::Object>());
  s.bytes = need;
  return s;
}

size_t TotalBytes(const std::vector<Span>& spans) {
  size_t t = 0;
  for (const Span& s : spans) t += s.bytes;
  return t;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ArgCount(info, 0, "init()");
  Thread().Start(env);
  const WorldInfo& w = Thread().world();
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", w.rank);
  o.Set("size", w.size);
  o.Set("localRank", w.localRank);
  o.Set("localSize", w.localSize);
  const char* levels[] = {"single", "funneled", "serialized", "multiple"};
  int lvl = w.threadLevel;
  o.Set("threadLevel", lvl >= MPI_THREAD_SINGLE && lvl <= MPI_THREAD_MULTIPLE ? levels[lvl - MPI_THREAD_SINGLE] : "unknown");
  return o;
}

Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "allreduce(arrays, scratch, mean)";
  ArgCount(info, 3, fn);
  if (!info[2].IsBoolean()) throw Napi::TypeError::New(env, Where(fn, "mean must be a boolean"));
  auto* job = new AllreduceJob(env);
  try {
    job->arrays = TypedList(env, info[0], fn, true, [&](const Napi::Object& o) { job->Keep(o); });
    job->scratch = Scratch(env, info[1], fn, true, TotalBytes(job->arrays), job);
    job->mean = info[2].As<Napi::Boolean>().Value();
    std::vector<Span> all = job->arrays;
    if (job->scratch.data) all.push_back(job->scratch);
    NoOverlap(env, all, fn);
    RequireStarted(env, fn);
  } catch (...) {
    delete job;
    throw;
  }
  return Thread().Enqueue(env, job);
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "broadcast(arrays, scratch, root)";
  ArgCount(info, 3, fn);
  auto* job = new BroadcastJob(env);
  try {
    job->arrays = TypedList(env, info[0], fn, false, [&](const Napi::Object& o) { job->Keep(o); });
    job->scratch = Scratch(env, info[1], fn, false, TotalBytes(job->arrays), job);
    std::vector<Span> all = job->arrays;
    if (job->scratch.data) all.push_back(job->scratch);
    NoOverlap(env, all, fn);
    RequireStarted(env, fn);
    job->root = IntArg(env, info[2], fn, "root", 0, Thread().world().size - 1);
  } catch (...) {
    delete job;
    throw;
  }
  return Thread().Enqueue(env, job);
}

Napi::Value Allgather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "allgather(bytes)";
  ArgCount(info, 1, fn);
  auto* job = new AllgatherJob(env);
  try {
    job->input = TypedBytes(env, info[0], fn, "bytes", false);
    job->Keep(info[0].As<Napi::Object>());
    RequireStarted(env, fn);
  } catch (...) {
    delete job;
    throw;
  }
  return Thread().Enqueue(env, job);
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ArgCount(info, 0, "barrier()");
  RequireStarted(env, "barrier()");
  return Thread().Enqueue(env, new BarrierJob(env));
}

/** Prints `message`, then ends every rank of the job (MPI_Abort); never returns. */
Napi::Value Abort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "abort(code, message)";
  ArgCount(info, 2, fn);
  int code = IntArg(env, info[0], fn, "code", 1, 255);
  if (!info[1].IsString()) throw Napi::TypeError::New(env, Where(fn, "message must be a string"));
  std::string message = info[1].As<Napi::String>().Utf8Value();
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  // From the main thread while the comm thread may sit in a collective: legal with
  // MPI_THREAD_MULTIPLE, and OpenMPI/MPICH tear the job down this way at any level.
  if (Thread().started() && !Thread().finalized()) MPI_Abort(MPI_COMM_WORLD, code);
  _exit(code);
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ArgCount(info, 0, "finalize()");
  if (Thread().pending() > 0) {
    throw Napi::Error::New(env, "finalize(): " + std::to_string(Thread().pending()) +
                                    " collective(s) still in flight; await them first");
  }
  Thread().Finalize();
  return env.Undefined();
}

Napi::Value State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ArgCount(info, 0, "state()");
  Napi::Object o = Napi::Object::New(env);
  o.Set("initialized", Thread().started());
  o.Set("finalized", Thread().finalized());
  o.Set("pending", Thread().pending());
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string v(version, len);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ' || v.back() == '\0')) v.pop_back();
  o.Set("library", v.substr(0, v.find('\n')));
  return o;
}

}  // namespace

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("allreduce", Napi::Function::New(env, Allreduce, "allreduce"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("allgather", Napi::Function::New(env, Allgather, "allgather"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("state", Napi::Function::New(env, State, "state"));
  napi_add_env_cleanup_hook(env, [](void*) { Thread().Teardown(); }, nullptr);
  return exports;
}

}  // namespace kmpi

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return kmpi::InitModule(env, exports); }

NODE_API_MODULE(kiln_mpi, Init)
