#include "exporters/host/uname_collector.h"

#include <sys/utsname.h>

#include <cerrno>

namespace vigia::host {

namespace {

constexpr const char* kKernelFiles[] = {"ostype", "hostname", "osrelease", "version", "domainname", "arch"};

std::vector<ProcFile> kernel_files(const HostPaths& paths) {
  std::vector<ProcFile> files;
  for (const char* f : kKernelFiles)
    files.emplace_back(paths.proc_path(std::string("sys/kernel/") + f), ProcFile::Reads::kOneCall);
  return files;
}

Status read_line(ProcFile& f, std::string& out) {
  Status st = f.read(out);
  if (!st.is_ok()) return st;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return Status::ok();
}

// files: kernel_files(); arch may be missing (kernels before 6.1).
Status read_uname_files(std::vector<ProcFile>& files, UnameInfo& out) {
  Status st = read_line(files[0], out.sysname);
  if (st.is_ok()) st = read_line(files[1], out.nodename);
  if (st.is_ok()) st = read_line(files[2], out.release);
  if (st.is_ok()) st = read_line(files[3], out.version);
  if (st.is_ok()) st = read_line(files[4], out.domainname);
  if (!st.is_ok()) return st;
  st = read_line(files[5], out.machine);
  if (is_not_found(st)) {
    UnameInfo sys;
    st = read_uname_syscall(sys);
    out.machine = sys.machine;
  }
  return st;
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
  std::vector<ProcFile> files = kernel_files(paths);
  return read_uname_files(files, out);
}

UnameCollector::UnameCollector(const HostPaths& paths)
    : use_syscall_(paths.proc == "/proc"),
      files_(use_syscall_ ? std::vector<ProcFile>() : kernel_files(paths)) {}

Status UnameCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = use_syscall_ ? read_uname_syscall(info_) : read_uname_files(files_, info_);
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
