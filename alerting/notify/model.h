// The notifier's data model, shared by its parts (alerting/notify/): the
// alert as Alertmanager 0.25 holds it, its fingerprint, the notification a
// flushed aggregation group hands to a receiver, and the interface of one
// receiver integration (email, webhook, slack, telegram, discord, exec).
//
// The parts: config.h (the alertmanager.yml vocabulary), matcher.h,
// time_interval.h, route.h and dispatch.h (routing tree and aggregation
// groups, as Alertmanager's dispatch package), inhibit.h and silence.h, the
// integrations (integrations.h), and notifier.h which joins them with the
// durable outbox and notification log.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/labels.h"
#include "alerting/promql/value.h"

namespace vigia::notify {

// An alert as Alertmanager's types.Alert (model.Alert plus UpdatedAt and
// Timeout). Times are milliseconds since the epoch; 0 is Go's zero time.
// Its labels, annotations and URL are shared by its copies (labels.h).
struct Alert {
  Labels labels;
  Labels annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t updated_at_ms = 0;
  SharedText generator_url;
  // ends_at was not sent but set by intake to now + resolve_timeout.
  bool timeout = false;

  // model.Alert.ResolvedAt: ends_at is set and not after `now_ms`.
  bool resolved_at(int64_t now_ms) const { return ends_at_ms != 0 && ends_at_ms <= now_ms; }
};

// model.LabelSet.Fingerprint: FNV-1a 64 over the labels sorted by name, each
// name and value followed by the byte 0xff; an empty set hashes to FNV's
// offset basis.
uint64_t fingerprint(const LabelSet& ls);
// model.Fingerprint.String(): 16 lowercase hex digits.
std::string fingerprint_string(uint64_t fp);

// What a flushed aggregation group hands to one receiver: Alertmanager's
// notify context (receiver name, group key, group labels, now) and its alerts.
struct Notification {
  std::string receiver;
  // dispatch.aggrGroup.GroupKey(): route key ":" group labels, e.g.
  // `{}/{severity="page"}:{alertname="HighLoad"}`.
  std::string group_key;
  LabelSet group_labels;
  // The group's alerts at the flush, firing and resolved (an alert is
  // resolved when resolved_at(now_ms)), ordered as Alertmanager orders them
  // (by the sorted label set, types.AlertSlice).
  std::vector<Alert> alerts;
  int64_t now_ms = 0;
  std::string external_url;  // --web.external-url
  int64_t repeat_interval_ms = 0;
};

// The outcome of one delivery attempt.
struct DeliveryResult {
  bool ok = false;
  // Worth retrying: a network error, a timeout, HTTP 5xx or 429; a 4xx is not
  // (Alertmanager's notify.RetryError / shouldRetry).
  bool retryable = false;
  // For the log and the audit API: never a secret (no password, token, or
  // URL with credentials or a bot token in its path).
  std::string error;
  // What the receiver answered (HTTP status, an exec's exit status and first
  // lines of output), for the audit API.
  std::string detail;
};

struct DeliveryContext {
  // Unique to one notification (the same for its retries, and after a
  // restart): webhooks send it as the Idempotency-Key header.
  std::string idempotency_key;
  std::chrono::milliseconds timeout{10000};
};

// One configured integration of a receiver (one item of its
// email_configs, webhook_configs, ...). deliver() may block for up to the
// context's timeout; it is called from the outbox's delivery threads,
// concurrently for different groups (one call at a time per group), so an
// integration keeps no unguarded state between calls.
class Integration {
 public:
  virtual ~Integration() = default;
  // Alertmanager's integration name: "email", "webhook", "slack",
  // "telegram", "discord", "exec" (the `integration` label of its metrics).
  virtual std::string_view kind() const = 0;
  // send_resolved: Alertmanager's default is false for email, true for the others.
  virtual bool send_resolved() const = 0;
  // Sends the notification. When send_resolved() is false, the caller has
  // already removed the resolved alerts, and calls only if one fires.
  virtual DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) = 0;
};

}  // namespace vigia::notify
