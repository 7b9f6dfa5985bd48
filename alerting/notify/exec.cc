// exec_configs (vigia's own): runs a command named in the config, as an argv
// list through posix_spawn (no shell), with the alert's labels in its
// environment, a timeout that kills its process group, and a rate limit per
// group key. Nothing from alert data chooses the program or its arguments.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "alerting/notify/integrations_internal.h"

extern char** environ;

namespace vigia::notify {
namespace {

constexpr size_t kMaxOutput = 64 << 10;
constexpr int kDetailLines = 5;

std::string env_name(std::string_view label) {
  std::string out = "VIGIA_LABEL_";
  for (char c : label)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

class Exec : public Integration {
 public:
  std::string_view kind() const override { return "exec"; }
  bool send_resolved() const override { return send_resolved_; }

  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    DeliveryResult res;
    if (!take_run(n.group_key)) {
      res.error = "rate limited: " + std::to_string(max_runs_) + " runs per " +
                  std::to_string(per_ms_ / 1000) + "s already made for this group";
      return res;
    }
    // The environment: a few of vigia's own variables, then the alert's.
    std::vector<std::string> env;
    for (const char* keep : {"PATH", "HOME", "LANG", "TZ"})
      if (const char* v = std::getenv(keep)) env.push_back(std::string(keep) + "=" + v);
    if (!std::getenv("PATH")) env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
    const Alert* alert = nullptr;
    for (const auto& a : n.alerts)
      if (!alert || (!a.resolved_at(n.now_ms) && alert->resolved_at(n.now_ms))) alert = &a;
    bool firing = false;
    for (const auto& a : n.alerts) firing |= !a.resolved_at(n.now_ms);
    env.push_back(std::string("VIGIA_STATUS=") + (firing ? "firing" : "resolved"));
    env.push_back("VIGIA_GROUP_KEY=" + n.group_key);
    env.push_back("VIGIA_RECEIVER=" + n.receiver);
    env.push_back("VIGIA_ALERT_COUNT=" + std::to_string(n.alerts.size()));
    if (alert)
      for (const auto& [k, v] : alert->labels) env.push_back(env_name(k) + "=" + std::string(v));
    return run(env, ctx, res);
  }

  bool send_resolved_ = true;
  std::vector<std::string> argv_;
  std::chrono::milliseconds timeout_{30000};
  int max_runs_ = 0;
  int64_t per_ms_ = 3600 * 1000;

 private:
  bool take_run(const std::string& key) {
    if (max_runs_ <= 0) return true;
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    auto& runs = runs_[key];
    while (!runs.empty() && now - runs.front() >= std::chrono::milliseconds(per_ms_)) runs.pop_front();
    if (runs.size() >= static_cast<size_t>(max_runs_)) return false;
    runs.push_back(now);
    return true;
  }

  DeliveryResult run(const std::vector<std::string>& env, const DeliveryContext& /*ctx*/,
                     DeliveryResult& res) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      res.retryable = true;
      res.error = std::string("pipe: ") + std::strerror(errno);
      return res;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    std::vector<char*> argv, envp;
    for (const auto& a : argv_) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_t pid = -1;
    // posix_spawnp searches PATH for argv[0] only when it has no slash.
    int rc = posix_spawnp(&pid, argv_[0].c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      res.error = "exec " + argv_[0] + ": " + std::strerror(rc);
      return res;
    }
    // The command's own timeout (exec_configs.timeout), not the delivery
    // timeout of HTTP receivers: a remediation may take minutes.
    std::chrono::milliseconds limit = timeout_;
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::string out;
    bool timed_out = false;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        break;
      }
      pollfd p{fds[0], POLLIN, 0};
      int pr = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      if (pr < 0 && errno == EINTR) continue;
      if (pr <= 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[0], buf, sizeof buf);
      if (got <= 0) break;  // EOF: every writer closed (the command, its children)
      if (out.size() < kMaxOutput)
        out.append(buf, std::min(static_cast<size_t>(got), kMaxOutput - out.size()));
    }
    ::close(fds[0]);
    int status = 0;
    if (timed_out) ::kill(-pid, SIGKILL);
    // After EOF the command may still run (it closed its output): wait for it
    // until the deadline, then kill its group.
    for (;;) {
      pid_t w = ::waitpid(pid, &status, timed_out ? 0 : WNOHANG);
      if (w == pid) break;
      if (w < 0 && errno != EINTR) break;
      if (w == 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
          timed_out = true;
          ::kill(-pid, SIGKILL);
        } else {
          ::usleep(10000);
        }
      }
    }
    if (timed_out) ::kill(-pid, SIGKILL);  // children left in its group
    std::string lines;
    int count = 0;
    for (size_t pos = 0; pos < out.size() && count < kDetailLines; ++count) {
      size_t nl = out.find('\n', pos);
      lines += (count ? " | " : "") + out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? out.size() : nl + 1;
    }
    if (timed_out) {
      res.error = "exec " + argv_[0] + ": timed out after " + std::to_string(limit.count()) + "ms; killed";
      res.detail = "output: " + lines;
      return res;
    }
    if (WIFEXITED(status)) {
      res.detail = "exit status " + std::to_string(WEXITSTATUS(status)) + "; output: " + lines;
      res.ok = WEXITSTATUS(status) == 0;
      if (!res.ok) res.error = "exec " + argv_[0] + ": exit status " + std::to_string(WEXITSTATUS(status));
    } else {
      int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      res.detail = "killed by signal " + std::to_string(sig) + "; output: " + lines;
      res.error = "exec " + argv_[0] + ": killed by signal " + std::to_string(sig);
    }
    return res;
  }

  std::mutex mu_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> runs_;
};

}  // namespace

std::unique_ptr<Integration> make_exec(const ItemContext& c) {
  c.r.check_keys(c.node, c.what, {"send_resolved", "command", "timeout", "max_runs", "per"});
  auto e = std::make_unique<Exec>();
  e->send_resolved_ = read_send_resolved(c, true);
  const auto& cmd = c.node["command"];
  if (!cmd) c.r.fail(c.node, c.what + ": missing command");
  if (!cmd.IsSequence())
    c.r.fail(cmd,
             c.what + ".command: expected a list of arguments [program, arg...] (a shell string is not run)");
  e->argv_ = c.r.get_string_list(cmd, c.what + ".command");
  if (e->argv_.empty() || e->argv_[0].empty()) c.r.fail(cmd, c.what + ".command: the program is empty");
  if (c.node["timeout"]) {
    double s = c.r.get_duration_seconds(c.node["timeout"], c.what + ".timeout");
    if (s <= 0) c.r.fail(c.node["timeout"], c.what + ".timeout: must be positive");
    e->timeout_ = std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
  }
  if (c.node["max_runs"]) e->max_runs_ = c.r.get_int(c.node["max_runs"], c.what + ".max_runs", 1, 1000000);
  if (c.node["per"]) {
    if (!c.node["max_runs"]) c.r.fail(c.node["per"], c.what + ".per: needs max_runs");
    double s = c.r.get_duration_seconds(c.node["per"], c.what + ".per");
    if (s <= 0) c.r.fail(c.node["per"], c.what + ".per: must be positive");
    e->per_ms_ = static_cast<int64_t>(s * 1000);
  }
  return e;
}

}  // namespace vigia::notify
