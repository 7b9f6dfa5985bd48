// Helpers shared by the host collector tests: run a collector into a text
// exposition, and write throw-away fixture trees.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/collector.h"
#include "core/exposition.h"
#include "core/fs.h"

namespace vigia::test {

inline HostPaths fixture_paths() {
  HostPaths p;
  p.proc = VIGIA_FIXTURES "/host/proc";
  p.sys = VIGIA_FIXTURES "/host/sys";
  p.rootfs = VIGIA_FIXTURES "/host/rootfs";
  return p;
}

struct Scrape {
  Status status;
  std::string text;
  // True if `line` is a whole line of the exposition.
  bool has(std::string_view line) const {
    return ("\n" + text).find("\n" + std::string(line) + "\n") != std::string::npos;
  }
  bool mentions(std::string_view s) const { return text.find(s) != std::string::npos; }
};

inline Scrape scrape(Collector& c) {
  Scrape s;
  s.text = encode_text([&](MetricSink& sink) { s.status = c.collect(CollectContext{}, sink); });
  return s;
}

// A temporary directory removed on destruction.
class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigia-host-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
  }
  ~TempTree() { std::filesystem::remove_all(root_); }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  void write(const std::string& rel, std::string_view content) const {
    std::filesystem::path p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  }
  void remove(const std::string& rel) const {
    std::filesystem::remove_all(std::filesystem::path(root_) / rel);
  }
  HostPaths paths() const {
    HostPaths p;
    p.proc = root_ + "/proc";
    p.sys = root_ + "/sys";
    p.rootfs = root_ + "/rootfs";
    return p;
  }

 private:
  std::string root_;
};

}  // namespace vigia::test
