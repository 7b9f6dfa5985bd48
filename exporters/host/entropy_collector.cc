#include "exporters/host/entropy_collector.h"

#include "exporters/host/proc_values.h"

namespace vigia::host {

Status EntropyCollector::collect(const CollectContext&, MetricSink& sink) {
  // procfs reads both files before either is reported; a missing one is
  // skipped there and reported as absent here.
  uint64_t avail = 0, pool = 0;
  Status st_avail = read_u64_file(avail_, buf_, avail);
  if (!st_avail.is_ok() && !is_not_found(st_avail))
    return Status::error("failed to get kernel random stats: " + st_avail.message());
  Status st_pool = read_u64_file(pool_, buf_, pool);
  if (!st_pool.is_ok() && !is_not_found(st_pool))
    return Status::error("failed to get kernel random stats: " + st_pool.message());
  if (!st_avail.is_ok()) return Status::error("couldn't get entropy_avail");
  sink.gauge("node_entropy_available_bits", "Bits of available entropy.", static_cast<double>(avail));
  if (!st_pool.is_ok()) return Status::error("couldn't get entropy poolsize");
  sink.gauge("node_entropy_pool_size_bits", "Bits of entropy pool.", static_cast<double>(pool));
  return Status::ok();
}

}  // namespace vigia::host
