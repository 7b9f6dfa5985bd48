#include "cmd/vigia/modules.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <string>

#include "exporters/postgres/module.h"

namespace vigia {
namespace {

std::string exe_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Opens a module by file name; the handle is kept for the process's life.
void* open_module(const std::string& file, std::string& tried) {
  std::string dir = exe_dir();
  for (const std::string& path : {dir + "/" + file, dir + "/../lib/vigia/" + file}) {
    if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
    const char* err = dlerror();
    if (!tried.empty()) tried += "; ";
    tried += err ? err : path;
  }
  return nullptr;
}

}  // namespace

Status add_postgres_module(const std::vector<postgres::TargetConfig>& postgres_targets,
                           const std::vector<postgres::TargetConfig>& pgbouncer_targets,
                           CollectorCatalog& catalog,
                           std::vector<std::shared_ptr<TargetCollector>>& probes) {
  static void* handle = nullptr;
  std::string tried;
  if (!handle) handle = open_module("vigia-postgres.so", tried);
  if (!handle) return Status::error("cannot load the postgres module: " + tried);
  auto add = reinterpret_cast<postgres::AddCollectorsFn>(dlsym(handle, VIGIA_POSTGRES_MODULE_ENTRY));
  if (!add) return Status::error("the postgres module has no " VIGIA_POSTGRES_MODULE_ENTRY);
  add(postgres_targets, pgbouncer_targets, catalog, probes);
  return Status::ok();
}

}  // namespace vigia
