// The container area: cAdvisor-compatible container metrics from cgroup v1
// and v2, read on scrape, named through the Docker Engine API. See
// exporters/container/README.md.
#pragma once

#include <memory>

#include "core/area.h"

namespace vigia::container {

// The `containers:` section (docker_socket, docker_timeout,
// docker_refresh_interval, fs_usage_interval, percpu, services) and the `container` and
// `docker` collectors, on when the section is present (or by
// --collector.container / --collector.docker). Reads the trees of the host
// area's --path.procfs, --path.sysfs and --path.rootfs.
std::unique_ptr<Area> make_area();

}  // namespace vigia::container
