#include "exporters/host/processes_collector.h"

#include <dirent.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/text.h"

namespace vigia::host {
namespace {

// The numeric entries of dir (pids, tids), or an error.
Status list_pids(const std::string& dir, std::vector<uint64_t>& out) {
  out.clear();
  DIR* d = opendir(dir.c_str());
  if (!d) return Status::from_errno(dir, errno);
  while (dirent* e = readdir(d)) {
    uint64_t id;
    if (parse_u64(e->d_name, id)) out.push_back(id);
  }
  closedir(d);
  return Status::ok();
}

// Gone between the listing and the read: not an error (ENOENT, ESRCH).
bool vanished(const Status& st) {
  static const std::string kEsrch = std::string(": ") + std::strerror(ESRCH);
  const std::string& m = st.message();
  return is_not_found(st) ||
         (m.size() >= kEsrch.size() && m.compare(m.size() - kEsrch.size(), kEsrch.size(), kEsrch) == 0);
}

Status read_u64(const std::string& path, std::string& buf, uint64_t& out) {
  Status st = read_file(path, buf);
  if (!st.is_ok()) return st;
  if (!parse_u64(trim(buf), out)) return Status::error(path + ": not a number");
  return Status::ok();
}

}  // namespace

bool parse_pid_stat(std::string_view text, std::string& state, uint64_t& threads) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return false;
  // Fields after comm: state(3) ppid pgrp session tty_nr tpgid flags minflt
  // cminflt majflt cmajflt utime stime cutime cstime priority nice
  // num_threads(20).
  int n = 3;
  bool ok = true;
  for_each_field(text.substr(close + 1), [&](std::string_view f) {
    if (n == 3) state = f;
    if (n == 20) ok = parse_u64(f, threads);
    return ++n <= 20;
  });
  return ok && n > 20;
}

Status ProcessesCollector::collect(const CollectContext&, MetricSink& sink) {
  std::vector<uint64_t> pids, tids;
  Status st = list_pids(proc_, pids);
  if (!st.is_ok()) return Status::error("unable to list all processes: " + st.message());
  std::map<std::string, double> states, thread_states;
  uint64_t npids = 0, nthreads = 0;
  for (uint64_t pid : pids) {
    std::string dir = HostPaths::join(proc_, std::to_string(pid));
    uint64_t threads = 0;
    st = read_file(dir + "/stat", buf_);
    if (!st.is_ok()) {
      if (vanished(st)) continue;
      return Status::error("error reading stat for pid " + std::to_string(pid) + ": " + st.message());
    }
    if (!parse_pid_stat(buf_, state_, threads))
      return Status::error("error reading stat for pid " + std::to_string(pid) + ": cannot parse");
    ++npids;
    states[state_] += 1;
    nthreads += threads;
    std::string proc_state = state_;
    st = list_pids(dir + "/task", tids);
    if (!st.is_ok()) {
      if (vanished(st)) continue;
      return Status::error("unable to list all threads for pid " + std::to_string(pid) + ": " + st.message());
    }
    for (uint64_t tid : tids) {
      if (tid == pid) {
        thread_states[proc_state] += 1;
        continue;
      }
      uint64_t unused;
      st = read_file(dir + "/task/" + std::to_string(tid) + "/stat", buf_);
      if (!st.is_ok()) {
        if (vanished(st)) continue;
        return Status::error("error reading stat for pid " + std::to_string(pid) + " thread " +
                             std::to_string(tid) + ": " + st.message());
      }
      if (!parse_pid_stat(buf_, state_, unused))
        return Status::error("error reading stat for thread " + std::to_string(tid) + ": cannot parse");
      thread_states[state_] += 1;
    }
  }
  sink.gauge("node_processes_threads", "Allocated threads in system", static_cast<double>(nthreads));
  uint64_t max_threads, pid_max;
  st = read_u64(HostPaths::join(proc_, "sys/kernel/threads-max"), buf_, max_threads);
  if (!st.is_ok()) return Status::error("unable to retrieve limit number of threads: " + st.message());
  sink.gauge("node_processes_max_threads", "Limit of threads in the system",
             static_cast<double>(max_threads));
  sink.family("node_processes_state", "Number of processes in each state.", MetricType::kGauge);
  for (const auto& [s, n] : states) sink.sample("node_processes_state", {{"state", s}}, n);
  sink.family("node_processes_threads_state", "Number of threads in each state.", MetricType::kGauge);
  for (const auto& [s, n] : thread_states)
    sink.sample("node_processes_threads_state", {{"thread_state", s}}, n);
  st = read_u64(HostPaths::join(proc_, "sys/kernel/pid_max"), buf_, pid_max);
  if (!st.is_ok())
    return Status::error("unable to retrieve limit number of maximum pids alloved: " + st.message());
  sink.gauge("node_processes_pids", "Number of PIDs", static_cast<double>(npids));
  sink.gauge("node_processes_max_processes", "Number of max PIDs limit", static_cast<double>(pid_max));
  return Status::ok();
}

}  // namespace vigia::host
