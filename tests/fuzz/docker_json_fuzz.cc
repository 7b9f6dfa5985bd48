// libFuzzer target for the Docker Engine API answer parsers
// (exporters/container/docker_json.h). Besides crashes and sanitizer reports,
// it checks that every container of an accepted list has an id, that an
// accepted inspect answer set a restart count, that an accepted size list
// (?size=1) keys its sizes by non-empty ids, and that an accepted /info gives
// an absolute data root.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/container/docker_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::container;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<DockerContainer> list;
  if (parse_container_list(in, list).is_ok()) {
    for (const DockerContainer& c : list)
      if (c.id.empty()) {
        std::fprintf(stderr, "accepted a container without an id\n");
        std::abort();
      }
  }
  DockerContainer c;
  if (parse_container_inspect(in, c).is_ok() && c.restart_count < 0 &&
      in.find('-') == std::string_view::npos) {
    std::fprintf(stderr, "accepted an inspect answer without a restart count\n");
    std::abort();
  }
  std::map<std::string, uint64_t, std::less<>> sizes;
  if (parse_container_sizes(in, sizes).is_ok() && sizes.count("")) {
    std::fprintf(stderr, "accepted a size without an id\n");
    std::abort();
  }
  std::string root;
  if (parse_docker_root_dir(in, root).is_ok() && (root.empty() || root[0] != '/')) {
    std::fprintf(stderr, "accepted a relative data root\n");
    std::abort();
  }
  return 0;
}
