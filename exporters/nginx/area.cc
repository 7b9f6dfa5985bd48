// The nginx area's descriptor: the `nginx:` section (exporters/nginx/nginx.h),
// linked into the binary; libcurl is mapped only when a target is scraped.
#include "core/target_list.h"
#include "exporters/nginx/nginx.h"

namespace vigia::nginx {

// Listed in cmd/vigia/areas.cc.
std::unique_ptr<Area> make_area() {
  return std::make_unique<LinkedTargetListArea<TargetConfig>>("nginx", read_targets, make_collector);
}

}  // namespace vigia::nginx
