// libFuzzer target for the host parsers of issue 18's storage and NFS
// collectors (exporters/host): /proc/mdstat, XFS stats, /proc/net/rpc/nfs and
// nfsd, /etc/selinux/config and selinuxfs's enforce, Go's strings.Fields.
// Properties: an accepted mdstat names each device with one non-blank field;
// accepted NFS statistics hold at least procfs's minimum of procedure counts
// per version; go_fields' fields are non-empty and hold no white space.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/host/go_text.h"
#include "exporters/host/mdadm_collector.h"
#include "exporters/host/nfs_collector.h"
#include "exporters/host/nfsd_collector.h"
#include "exporters/host/selinux_collector.h"
#include "exporters/host/xfs_collector.h"

namespace {
void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}
bool has_space(std::string_view s) { return s.find_first_of(" \t\n\v\f\r") != std::string_view::npos; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::host;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::vector<std::string_view> fields;
  go_fields(in, fields);
  for (std::string_view f : fields)
    if (f.empty() || has_space(f)) fail("go_fields gave an empty or blank field");

  std::vector<MdStat> md;
  if (parse_mdstat(in, md).is_ok())
    for (const MdStat& m : md) {
      if (m.name.empty() || has_space(m.name)) fail("md device without a one-field name");
      if (m.disks_failed < 0 || m.disks_spare < 0) fail("negative disk count");
    }

  XfsStats xfs;
  (void)parse_xfs_stats(in, xfs);

  NfsClientStats nfs;
  if (parse_nfs_client(in, nfs).is_ok()) {
    if (!nfs.proc2.empty() && nfs.proc2.size() < nfs_v2_methods().size()) fail("proc2 short");
    if (!nfs.proc3.empty() && nfs.proc3.size() < nfs_v3_methods().size()) fail("proc3 short");
    if (!nfs.proc4.empty() && nfs.proc4.size() < nfs_client_v4_methods().size()) fail("proc4 short");
  }

  NfsdStats nfsd;
  if (parse_nfsd(in, nfsd).is_ok()) {
    if (!nfsd.proc2.empty() && nfsd.proc2.size() < 18) fail("nfsd proc2 short");
    if (!nfsd.proc3.empty() && nfsd.proc3.size() < 22) fail("nfsd proc3 short");
    if (!nfsd.proc4ops.empty() && nfsd.proc4ops.size() < 39) fail("nfsd proc4ops short");
  }

  int mode = selinux_config_mode(in);
  if (mode < -1 || mode > 1) fail("config mode out of range");
  (void)selinux_enforce_mode(in);
  return 0;
}
