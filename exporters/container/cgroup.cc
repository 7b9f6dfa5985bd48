#include "exporters/container/cgroup.h"

#include "core/fs.h"

namespace vigia::container {
namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool parse_dev(std::string_view s, uint32_t& major, uint32_t& minor) {
  size_t colon = s.find(':');
  uint64_t a = 0, b = 0;
  if (colon == std::string_view::npos || !parse_u64(s.substr(0, colon), a) ||
      !parse_u64(s.substr(colon + 1), b) || a > UINT32_MAX || b > UINT32_MAX)
    return false;
  major = uint32_t(a), minor = uint32_t(b);
  return true;
}

DeviceIo& device(std::vector<DeviceIo>& v, uint32_t major, uint32_t minor) {
  for (DeviceIo& d : v)
    if (d.major == major && d.minor == minor) return d;
  v.push_back({major, minor, 0, 0, 0, 0});
  return v.back();
}

}  // namespace

std::string_view CgroupMounts::v1_mount(std::string_view controller) const {
  for (const auto& [c, m] : v1)
    if (c == controller) return m;
  return {};
}

void parse_mountinfo_cgroups(std::string_view mountinfo, CgroupMounts& out) {
  out = CgroupMounts{};
  for_each_line(mountinfo, [&](std::string_view line) {
    std::vector<std::string_view> f;
    for_each_field(line, [&](std::string_view x) {
      f.push_back(x);
      return true;
    });
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); ++i)
      if (f[i] == "-") {
        dash = i;
        break;
      }
    if (dash == 0 || dash + 1 >= f.size()) return;
    std::string_view mount = f[4], fstype = f[dash + 1];
    if (fstype == "cgroup2") {
      if (out.unified.empty()) out.unified = std::string(mount);
      return;
    }
    if (fstype != "cgroup" || dash + 3 >= f.size()) return;
    std::string_view opts = f[dash + 3];
    size_t i = 0;
    while (i <= opts.size()) {
      size_t j = opts.find(',', i);
      if (j == std::string_view::npos) j = opts.size();
      std::string_view o = opts.substr(i, j - i);
      if (o == "cpu" || o == "cpuacct" || o == "memory" || o == "blkio" || o == "pids") {
        bool seen = false;
        for (auto& [c, m] : out.v1) seen |= c == o;
        if (!seen) out.v1.emplace_back(std::string(o), std::string(mount));
      }
      i = j + 1;
    }
  });
}

bool find_key(std::string_view text, std::string_view key, uint64_t& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ')
      return parse_u64(line.substr(key.size() + 1), out);
    pos = eol + 1;
  }
  return false;
}

bool parse_value(std::string_view text, uint64_t& out, bool& is_max) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  is_max = text == "max";
  if (is_max) {
    out = 0;
    return true;
  }
  return parse_u64(text, out);
}

bool parse_cpu_max(std::string_view text, uint64_t& quota, uint64_t& period) {
  std::string_view f[2];
  int n = 0;
  for_each_line(text.substr(0, text.find('\n')), [&](std::string_view line) {
    for_each_field(line, [&](std::string_view x) {
      if (n < 2) f[n] = x;
      return ++n <= 2;
    });
  });
  if (n != 2 || !parse_u64(f[1], period)) return false;
  if (f[0] == "max") {
    quota = 0;
    return true;
  }
  return parse_u64(f[0], quota);
}

void parse_io_stat(std::string_view text, std::vector<DeviceIo>& out) {
  out.clear();
  for_each_line(text, [&](std::string_view line) {
    bool first = true;
    DeviceIo* d = nullptr;
    for_each_field(line, [&](std::string_view x) {
      if (first) {
        first = false;
        uint32_t ma, mi;
        if (!parse_dev(x, ma, mi)) return false;
        d = &device(out, ma, mi);
        return true;
      }
      size_t eq = x.find('=');
      if (eq == std::string_view::npos) return true;
      uint64_t v;
      if (!parse_u64(x.substr(eq + 1), v)) return true;
      if (x.substr(0, eq) == "rbytes") d->read_bytes = v;
      if (x.substr(0, eq) == "wbytes") d->write_bytes = v;
      if (x.substr(0, eq) == "rios") d->reads = v;
      if (x.substr(0, eq) == "wios") d->writes = v;
      return true;
    });
  });
}

namespace {
// "MAJ:MIN Read|Write N" lines: f(device, is_write, n).
template <typename F>
void for_each_blkio(std::string_view text, F&& f) {
  for_each_line(text, [&](std::string_view line) {
    std::string_view fld[3];
    int n = 0;
    for_each_field(line, [&](std::string_view x) {
      if (n < 3) fld[n] = x;
      return ++n <= 3;
    });
    uint32_t ma, mi;
    uint64_t v;
    if (n != 3 || !parse_dev(fld[0], ma, mi) || !parse_u64(fld[2], v)) return;
    if (fld[1] == "Read" || fld[1] == "Write") f(ma, mi, fld[1] == "Write", v);
  });
}
}  // namespace

void parse_blkio_bytes(std::string_view text, std::vector<DeviceIo>& out) {
  out.clear();
  for_each_blkio(text, [&](uint32_t ma, uint32_t mi, bool w, uint64_t v) {
    (w ? device(out, ma, mi).write_bytes : device(out, ma, mi).read_bytes) += v;
  });
}

void parse_blkio_serviced(std::string_view text, std::vector<DeviceIo>& out) {
  for_each_blkio(text, [&](uint32_t ma, uint32_t mi, bool w, uint64_t v) {
    (w ? device(out, ma, mi).writes : device(out, ma, mi).reads) += v;
  });
}

bool parse_pressure(std::string_view text, Pressure& out) {
  out = Pressure{};
  bool some = false;
  for_each_line(text, [&](std::string_view line) {
    bool is_some = line.starts_with("some "), is_full = line.starts_with("full ");
    if (!is_some && !is_full) return;
    size_t t = line.find("total=");
    uint64_t v;
    if (t == std::string_view::npos || !parse_u64(line.substr(t + 6), v)) return;
    if (is_some) out.some_us = v, some = true;
    if (is_full) out.full_us = v, out.has_full = true;
  });
  return some;
}

void parse_percpu(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  for_each_line(text, [&](std::string_view line) {
    for_each_field(line, [&](std::string_view x) {
      uint64_t v;
      if (!parse_u64(x, v)) return false;
      out.push_back(v);
      return true;
    });
  });
}

void parse_procs(std::string_view text, uint64_t& first_pid, uint64_t& count) {
  first_pid = 0, count = 0;
  for_each_line(text, [&](std::string_view line) {
    uint64_t pid;
    if (!parse_u64(line, pid)) return;
    if (count++ == 0) first_pid = pid;
  });
}

CgroupIdentity classify_cgroup(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view leaf = path.substr(slash + 1), parent = path.substr(0, slash);
  std::string_view parent_leaf = parent.substr(parent.rfind('/') + 1);
  auto scope = [&](std::string_view prefix, CgroupKind kind) -> CgroupIdentity {
    if (!leaf.starts_with(prefix) || !leaf.ends_with(".scope")) return {};
    std::string_view id = leaf.substr(prefix.size(), leaf.size() - prefix.size() - 6);
    return is_hex64(id) ? CgroupIdentity{kind, id} : CgroupIdentity{};
  };
  for (auto [prefix, kind] :
       {std::pair{"docker-", CgroupKind::kDocker}, std::pair{"cri-containerd-", CgroupKind::kContainerd},
        std::pair{"nerdctl-", CgroupKind::kContainerd}, std::pair{"libpod-", CgroupKind::kPodman}}) {
    CgroupIdentity c = scope(prefix, kind);
    if (c.kind != CgroupKind::kNone) return c;
  }
  if (is_hex64(leaf)) {
    if (parent_leaf == "docker") return {CgroupKind::kDocker, leaf};
    return {CgroupKind::kContainerd, leaf};
  }
  if (parent_leaf == "libpod_parent" && leaf.starts_with("libpod-") && is_hex64(leaf.substr(7)))
    return {CgroupKind::kPodman, leaf.substr(7)};
  if (parent == "/system.slice" && leaf.ends_with(".service") && leaf.size() > 8)
    return {CgroupKind::kService, {}};
  return {};
}

}  // namespace vigia::container
