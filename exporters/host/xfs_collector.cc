#include "exporters/host/xfs_collector.h"

#include <cerrno>
#include <sys/stat.h>

#include "exporters/host/go_text.h"
#include "exporters/host/sysfs_read.h"

namespace vigia::host {

namespace {

// The lines procfs knows, with the value counts it accepts (second: another
// accepted count, or 0), and the XfsStats line they fill (-1: none).
struct KnownLine {
  std::string_view label;
  size_t count, alt_count;
  int line;
};
constexpr KnownLine kKnown[] = {
    {"extent_alloc", 4, 0, XfsStats::kExtentAlloc},
    {"abt", 4, 0, XfsStats::kAbt},
    {"blk_map", 7, 0, XfsStats::kBlkMap},
    {"bmbt", 4, 0, XfsStats::kBmbt},
    {"dir", 4, 0, XfsStats::kDir},
    {"trans", 3, 0, -1},
    {"ig", 7, 0, XfsStats::kIg},
    {"log", 5, 0, -1},
    {"push_ail", 10, 0, -1},
    {"xstrat", 2, 0, -1},
    {"rw", 2, 0, XfsStats::kRw},
    {"attr", 4, 0, -1},
    {"icluster", 3, 0, -1},
    {"vnodes", 7, 8, XfsStats::kVnodes},
    {"buf", 9, 0, -1},
    {"xpc", 3, 0, -1},
    {"abtb2", 15, 0, -1},
    {"abtc2", 15, 0, -1},
    {"bmbt2", 15, 0, -1},
    {"ibt2", 15, 0, -1},
    {"qm", 8, 9, -1},
    {"debug", 1, 0, -1},
};

struct Metric {
  std::string_view name, help, line;
  size_t index;
};
constexpr Metric kMetrics[] = {
    {"node_xfs_extent_allocation_extents_allocated_total", "Number of extents allocated for a filesystem.",
     "extent_alloc", 0},
    {"node_xfs_extent_allocation_blocks_allocated_total", "Number of blocks allocated for a filesystem.",
     "extent_alloc", 1},
    {"node_xfs_extent_allocation_extents_freed_total", "Number of extents freed for a filesystem.",
     "extent_alloc", 2},
    {"node_xfs_extent_allocation_blocks_freed_total", "Number of blocks freed for a filesystem.",
     "extent_alloc", 3},
    {"node_xfs_allocation_btree_lookups_total", "Number of allocation B-tree lookups for a filesystem.",
     "abt", 0},
    {"node_xfs_allocation_btree_compares_total", "Number of allocation B-tree compares for a filesystem.",
     "abt", 1},
    {"node_xfs_allocation_btree_records_inserted_total",
     "Number of allocation B-tree records inserted for a filesystem.", "abt", 2},
    {"node_xfs_allocation_btree_records_deleted_total",
     "Number of allocation B-tree records deleted for a filesystem.", "abt", 3},
    {"node_xfs_block_mapping_reads_total", "Number of block map for read operations for a filesystem.",
     "blk_map", 0},
    {"node_xfs_block_mapping_writes_total", "Number of block map for write operations for a filesystem.",
     "blk_map", 1},
    {"node_xfs_block_mapping_unmaps_total", "Number of block unmaps (deletes) for a filesystem.", "blk_map",
     2},
    {"node_xfs_block_mapping_extent_list_insertions_total",
     "Number of extent list insertions for a filesystem.", "blk_map", 3},
    {"node_xfs_block_mapping_extent_list_deletions_total",
     "Number of extent list deletions for a filesystem.", "blk_map", 4},
    {"node_xfs_block_mapping_extent_list_lookups_total", "Number of extent list lookups for a filesystem.",
     "blk_map", 5},
    {"node_xfs_block_mapping_extent_list_compares_total", "Number of extent list compares for a filesystem.",
     "blk_map", 6},
    {"node_xfs_block_map_btree_lookups_total", "Number of block map B-tree lookups for a filesystem.", "bmbt",
     0},
    {"node_xfs_block_map_btree_compares_total", "Number of block map B-tree compares for a filesystem.",
     "bmbt", 1},
    {"node_xfs_block_map_btree_records_inserted_total",
     "Number of block map B-tree records inserted for a filesystem.", "bmbt", 2},
    {"node_xfs_block_map_btree_records_deleted_total",
     "Number of block map B-tree records deleted for a filesystem.", "bmbt", 3},
    {"node_xfs_directory_operation_lookup_total",
     "Number of file name directory lookups which miss the operating systems directory name lookup cache.",
     "dir", 0},
    {"node_xfs_directory_operation_create_total",
     "Number of times a new directory entry was created for a filesystem.", "dir", 1},
    {"node_xfs_directory_operation_remove_total",
     "Number of times an existing directory entry was created for a filesystem.", "dir", 2},
    {"node_xfs_directory_operation_getdents_total",
     "Number of times the directory getdents operation was performed for a filesystem.", "dir", 3},
    {"node_xfs_inode_operation_attempts_total",
     "Number of times the OS looked for an XFS inode in the inode cache.", "ig", 0},
    {"node_xfs_inode_operation_found_total",
     "Number of times the OS looked for and found an XFS inode in the inode cache.", "ig", 1},
    {"node_xfs_inode_operation_recycled_total",
     "Number of times the OS found an XFS inode in the cache, but could not use it as it was being recycled.",
     "ig", 2},
    {"node_xfs_inode_operation_missed_total",
     "Number of times the OS looked for an XFS inode in the cache, but did not find it.", "ig", 3},
    {"node_xfs_inode_operation_duplicates_total",
     "Number of times the OS tried to add a missing XFS inode to the inode cache, but found it had already "
     "been added by another process.",
     "ig", 4},
    {"node_xfs_inode_operation_reclaims_total",
     "Number of times the OS reclaimed an XFS inode from the inode cache to free memory for another purpose.",
     "ig", 5},
    {"node_xfs_inode_operation_attribute_changes_total",
     "Number of times the OS explicitly changed the attributes of an XFS inode.", "ig", 6},
    {"node_xfs_read_calls_total", "Number of read(2) system calls made to files in a filesystem.", "rw", 1},
    {"node_xfs_write_calls_total", "Number of write(2) system calls made to files in a filesystem.", "rw", 0},
    {"node_xfs_vnode_active_total", "Number of vnodes not on free lists for a filesystem.", "vnodes", 0},
    {"node_xfs_vnode_allocate_total", "Number of times vn_alloc called for a filesystem.", "vnodes", 1},
    {"node_xfs_vnode_get_total", "Number of times vn_get called for a filesystem.", "vnodes", 2},
    {"node_xfs_vnode_hold_total", "Number of times vn_hold called for a filesystem.", "vnodes", 3},
    {"node_xfs_vnode_release_total", "Number of times vn_rele called for a filesystem.", "vnodes", 4},
    {"node_xfs_vnode_reclaim_total", "Number of times vn_reclaim called for a filesystem.", "vnodes", 5},
    {"node_xfs_vnode_remove_total", "Number of times vn_remove called for a filesystem.", "vnodes", 6},
};

int line_index(std::string_view label) {
  for (const KnownLine& k : kKnown)
    if (k.label == label) return k.line;
  return -1;
}

}  // namespace

Status parse_xfs_stats(std::string_view text, XfsStats& out) {
  out.values = {};
  std::vector<std::string_view> fields;
  Status st;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view line = text.substr(i, j - i);
    i = j + 1;
    if (line.size() >= 65536) return Status::error("token too long");
    go_fields(line, fields);
    if (fields.size() < 2) continue;
    std::string_view label = fields[0];
    const KnownLine* known = nullptr;
    for (const KnownLine& k : kKnown)
      if (k.label == label) known = &k;
    // Every value is a number: uint64 on the xpc line, uint32 elsewhere.
    uint64_t limit = label == "xpc" ? UINT64_MAX : UINT32_MAX;
    for (size_t f = 1; f < fields.size(); ++f) {
      uint64_t v;
      if (!parse_u64(fields[f], v) || v > limit)
        return Status::error("xfs line \"" + std::string(label) + "\": invalid value \"" +
                             std::string(fields[f]) + "\"");
    }
    if (!known) continue;
    size_t n = fields.size() - 1;
    if (n != known->count && n != known->alt_count)
      return Status::error("incorrect number of values for XFS " + std::string(label) +
                           " stats: " + std::to_string(n));
    if (known->line < 0) continue;
    auto& dst = out.values[static_cast<size_t>(known->line)];
    for (size_t f = 0; f < n && f < dst.size(); ++f) {
      uint64_t v;
      parse_u64(fields[f + 1], v);
      dst[f] = static_cast<uint32_t>(v);
    }
  }
  return Status::ok();
}

Status XfsCollector::collect(const CollectContext&, MetricSink& sink) {
  std::vector<std::string> names;
  int err = list_dir(dir_, names);
  if (err && err != ENOENT && err != ENOTDIR) return Status::from_errno(dir_, err);
  size_t n = 0;
  for (const std::string& dev : names) {
    // The glob fs/xfs/*/stats/stats: a device whose stats file exists.
    std::string path = HostPaths::join(dir_, dev + "/stats/stats");
    struct stat sb;
    if (::lstat(path.c_str(), &sb) != 0) continue;
    Status st = read_file(path, buf_);
    if (!st.is_ok()) return Status::error("failed to retrieve XFS stats: " + st.message());
    if (stats_.size() <= n) stats_.emplace_back();
    XfsStats& s = stats_[n];
    st = parse_xfs_stats(buf_, s);
    if (!st.is_ok()) return Status::error("failed to retrieve XFS stats: " + path + ": " + st.message());
    s.device = dev;
    ++n;
  }
  stats_.resize(n);
  for (const Metric& m : kMetrics) {
    sink.family(m.name, m.help, MetricType::kCounter);
    size_t line = static_cast<size_t>(line_index(m.line));
    for (const XfsStats& s : stats_) sink.sample(m.name, {{"device", s.device}}, s.values[line][m.index]);
  }
  return Status::ok();
}

}  // namespace vigia::host
