#include "comm_thread.h"

namespace kmpi {

CommThread& Thread() {
  static CommThread instance;
  return instance;
}

void Check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  const WorldInfo& w = Thread().world();
  throw std::runtime_error("rank " + std::to_string(w.rank) + ": " + what + " failed: " + std::string(text, len));
}

void CommThread::Start(Napi::Env env) {
  if (started_) return;
  if (finalized_) throw Napi::Error::New(env, "MPI was already finalized in this process; it cannot be initialised again");
  tsfn_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                        "kiln-mpi", 0, 1);
  tsfn_.Unref(env);  // referenced only while a job is in flight, so an idle process can exit
  std::string initError;
  std::mutex initMu;
  std::condition_variable initCv;
  bool initDone = false;
  thread_ = std::thread(&CommThread::Run, this, &initError, &initMu, &initCv, &initDone);
  std::unique_lock<std::mutex> lock(initMu);
  initCv.wait(lock, [&] { return initDone; });
  if (!initError.empty()) {
    lock.unlock();
    thread_.join();
    tsfn_.Release();
    throw Napi::Error::New(env, initError);
  }
  started_ = true;
}

void CommThread::Run(std::string* initError, std::mutex* initMu, std::condition_variable* initCv, bool* initDone) {
  {
    std::string err;
    int provided = MPI_THREAD_SINGLE;
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    if (rc != MPI_SUCCESS) {
      err = "MPI_Init_thread failed (error " + std::to_string(rc) + ")";
    } else {
      world_.threadLevel = provided;
      // A private duplicate of MPI_COMM_WORLD that returns errors instead of aborting inside MPI,
      // so a failed collective rejects its promise with MPI's message and the rank.
      MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
      MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
      MPI_Comm_rank(comm_, &world_.rank);
      MPI_Comm_size(comm_, &world_.size);
      MPI_Comm local;
      if (MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, world_.rank, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
        MPI_Comm_rank(local, &world_.localRank);
        MPI_Comm_size(local, &world_.localSize);
        MPI_Comm_free(&local);
      }
    }
    std::lock_guard<std::mutex> lock(*initMu);
    *initError = err;
    *initDone = true;
    initCv->notify_one();
    if (!err.empty()) return;
  }
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stop_ with nothing left
      job = queue_.front();
      queue_.pop_front();
    }
    try {
      job->Execute();
    } catch (const std::exception& e) {
      job->error = e.what();
    }
    tsfn_.NonBlockingCall(job, Settle);
  }
  MPI_Comm_free(&comm_);
  MPI_Finalize();
}

void CommThread::Settle(Napi::Env env, Napi::Function, Job* job) {
  CommThread& self = Thread();
  if (env != nullptr) {
    if (--self.pending_ == 0) self.tsfn_.Unref(env);
    if (job->error.empty()) {
      job->deferred.Resolve(job->Result(env));
    } else {
      job->deferred.Reject(Napi::Error::New(env, job->error).Value());
    }
  } else {
    // The environment is going away: its references must not be touched any more.
    for (auto& ref : job->keep) ref.SuppressDestruct();
  }
  delete job;
}

Napi::Promise CommThread::Enqueue(Napi::Env env, Job* job) {
  Napi::Promise promise = job->deferred.Promise();
  if (pending_++ == 0) tsfn_.Ref(env);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(job);
  }
  cv_.notify_one();
  return promise;
}

void CommThread::Finalize() {
  if (!started_ || finalized_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  tsfn_.Release();
  finalized_ = true;
  started_ = false;
}

void CommThread::Teardown() {
  if (!started_ || finalized_) return;
  if (pending_ == 0) {
    Finalize();
    return;
  }
  // A collective is still blocked in MPI: joining would hang the exit. The launcher sees an
  // improper exit and ends the job.
  thread_.detach();
  finalized_ = true;
}

}  // namespace kmpi
