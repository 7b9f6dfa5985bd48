// Helpers shared by the host collector tests: run a collector into a text
// exposition, and write throw-away fixture trees.
#pragma once

#include <catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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

// The whole file at path ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The collector's exposition text. Its status goes to *status, or must be ok.
inline std::string run(Collector& c, Status* status = nullptr, CollectContext ctx = {}) {
  Status st;
  std::string out = encode_text([&](MetricSink& s) { st = c.collect(ctx, s); });
  if (status)
    *status = st;
  else
    REQUIRE(st.is_ok());
  return out;
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
