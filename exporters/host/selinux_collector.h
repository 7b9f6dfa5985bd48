#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/collector.h"

namespace vigia::host {

// go-selinux's (v1.10.2, node_exporter 1.5) view of the running system. It
// reads the real /proc, /sys and /etc/selinux/config: node_exporter ignores
// --path.* for SELinux, and so does vigia.
//
// The value of `key` in an /etc/selinux/config text (KEY=value, quotes
// trimmed; blank lines and ;/# comments skipped); "" when absent.
std::string selinux_config_value(std::string_view config, std::string_view key);
// SELINUX= as a mode: enforcing 1, permissive 0, anything else -1.
int selinux_config_mode(std::string_view config);
// The content of <selinuxfs>/enforce as a mode (strconv.Atoi of the whole
// text), -1 if it is not an integer.
int64_t selinux_enforce_mode(std::string_view enforce);

// node_selinux_enabled, and with SELinux enabled node_selinux_config_mode and
// node_selinux_current_mode. SELinux is enabled when a writable selinuxfs is
// mounted and this thread's label is not "kernel"; decided once, as
// go-selinux does.
class SelinuxCollector final : public Collector {
 public:
  std::string_view name() const override { return "selinux"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  std::optional<std::string> mount_;  // the selinuxfs mount point; "" if none
};

}  // namespace vigia::host
