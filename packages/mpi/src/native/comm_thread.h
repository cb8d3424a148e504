// The one thread that talks to MPI. MPI_Init_thread, every collective and MPI_Finalize
// run on it, so any thread level the library provides works (even MPI_THREAD_SINGLE
// and FUNNELED) and the JavaScript main thread never blocks in MPI: the event loop
// stays live for signals, timers and the progress bar while a collective waits.
#pragma once
#include <mpi.h>
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kmpi {

/** One queued operation: Execute() on the comm thread, Settle() back on the main thread. */
struct Job {
  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  virtual ~Job() = default;
  virtual void Execute() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  /** Keeps the JS buffers this job reads and writes alive (and un-collected) until it settles. */
  void Keep(const Napi::Object& o) { keep.push_back(Napi::Persistent(o)); }

  Napi::Promise::Deferred deferred;
  std::string error;
  std::vector<Napi::ObjectReference> keep;
};

struct WorldInfo {
  int rank = -1;
  int size = 0;
  int localRank = 0;
  int localSize = 1;
  int threadLevel = MPI_THREAD_SINGLE;
};

class CommThread {
 public:
  /** Starts the thread, which calls MPI_Init_thread; blocks until MPI is up (throws on failure). */
  void Start(Napi::Env env);
  /** Main thread: queues a job and returns its promise. */
  Napi::Promise Enqueue(Napi::Env env, Job* job);
  /** Main thread: stops the thread, which calls MPI_Finalize. Requires no job in flight. */
  void Finalize();
  /** Env teardown without finalize(): finalizes when idle, else leaves the thread to die with the process. */
  void Teardown();

  bool started() const { return started_; }
  bool finalized() const { return finalized_; }
  int pending() const { return pending_; }
  const WorldInfo& world() const { return world_; }
  MPI_Comm comm() const { return comm_; }

 private:
  void Run(std::string* initError, std::mutex* initMu, std::condition_variable* initCv, bool* initDone);
  static void Settle(Napi::Env env, Napi::Function, Job* job);

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stop_ = false;
  bool started_ = false;
  bool finalized_ = false;
  int pending_ = 0;  // main thread only
  Napi::ThreadSafeFunction tsfn_;
  WorldInfo world_;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

CommThread& Thread();

/** Throws std::runtime_error "rank R: <what> failed: <MPI's message>" when rc is an error. */
void Check(int rc, const char* what);

}  // namespace kmpi
