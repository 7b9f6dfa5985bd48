#include "exporters/host/uname_collector.h"

#include <sys/utsname.h>

#include <cerrno>

namespace vigia::host {

namespace {

Status read_line(const HostPaths& paths, std::string_view rel, std::string& out) {
  Status st = read_file(paths.proc_path(rel), out);
  if (!st.is_ok()) return st;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return Status::ok();
}

}  // namespace

Status read_uname_syscall(UnameInfo& out) {
  struct utsname u;
  if (::uname(&u) != 0) return Status::from_errno("uname", errno);
  out.sysname = u.sysname;
  out.nodename = u.nodename;
  out.release = u.release;
  out.version = u.version;
  out.machine = u.machine;
  out.domainname = u.domainname;
  return Status::ok();
}

Status read_uname_procfs(const HostPaths& paths, UnameInfo& out) {
  Status st = read_line(paths, "sys/kernel/ostype", out.sysname);
  if (st.is_ok()) st = read_line(paths, "sys/kernel/hostname", out.nodename);
  if (st.is_ok()) st = read_line(paths, "sys/kernel/osrelease", out.release);
  if (st.is_ok()) st = read_line(paths, "sys/kernel/version", out.version);
  if (st.is_ok()) st = read_line(paths, "sys/kernel/domainname", out.domainname);
  if (!st.is_ok()) return st;
  st = read_line(paths, "sys/kernel/arch", out.machine);
  if (is_not_found(st)) {
    UnameInfo sys;
    st = read_uname_syscall(sys);
    out.machine = sys.machine;
  }
  return st;
}

Status UnameCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = read_uname_procfs(paths_, info_);
  if (!st.is_ok()) st = read_uname_syscall(info_);
  if (!st.is_ok()) return st;
  sink.gauge("node_uname_info", "Labeled system information as provided by the uname system call.", 1,
             {{"domainname", info_.domainname},
              {"machine", info_.machine},
              {"nodename", info_.nodename},
              {"release", info_.release},
              {"sysname", info_.sysname},
              {"version", info_.version}});
  return Status::ok();
}

}  // namespace vigia::host
