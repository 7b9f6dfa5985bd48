// The receivers' integrations (Alertmanager 0.25's notify/email, webhook,
// slack, telegram, discord, plus vigia's exec): each item of a receiver's
// <kind>_configs read with the config's reader and made an Integration.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "alerting/notify/config.h"
#include "alerting/notify/model.h"
#include "alerting/notify/notify_template.h"
#include "core/status.h"
#include "core/yaml_reader.h"

namespace vigia::notify {

// Reads each integration item of `rc` (unknown keys refused; the keys of
// Alertmanager that vigia does not implement refused by name; defaults from
// `g` as Alertmanager 0.25 applies them) and appends its Integration to
// `out`. Errors are thrown as ConfigError with file:line:column. Relative
// file names (url_file, password files, tls files) are joined to
// config_dir. `tmpl` must outlive the integrations.
Status make_integrations(const YamlReader& r, const ReceiverConfig& rc, const GlobalConfig& g,
                         const std::string& config_dir, const TemplateSet& tmpl,
                         std::vector<std::unique_ptr<Integration>>& out);

// Alertmanager's webhook payload (version "4") for n, with at most
// max_alerts alerts (0: all) and truncatedAlerts counting the others.
std::string webhook_payload(const Notification& n, uint64_t max_alerts);

}  // namespace vigia::notify
