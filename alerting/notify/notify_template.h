// Message templates of the notifier: Alertmanager 0.25's template.Data built
// from a Notification, the `templates:` files (define blocks) and vigia's
// own default templates, over the shared engine (alerting/template/).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerting/notify/model.h"
#include "alerting/template/template.h"
#include "core/status.h"

namespace vigia::notify {

// template.Template.Data(receiver, groupLabels, alerts...): each alert's
// status at n.now_ms (a firing alert's EndsAt is Go's zero time, as the
// dispatcher's flush sets it), the labels and annotations common to all
// alerts, the receiver's name quoted as regexp.QuoteMeta does.
alerting::MessageData message_data(const Notification& n);
// The same for the first `max` alerts only (webhook max_alerts; 0: all).
alerting::MessageData message_data(const Notification& n, size_t max);

// Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped) of
// a time in milliseconds; 0 is Go's zero time "0001-01-01T00:00:00Z".
std::string go_time_json(int64_t ms);

// The templates of a notify configuration: vigia's defaults (define blocks
// named as Alertmanager's: email.default.subject, email.default.html,
// email.default.text, slack.default.title, slack.default.text, ...,
// telegram.default.message, discord.default.title, discord.default.message)
// then the `templates:` files, later definitions overriding earlier ones.
class TemplateSet {
 public:
  TemplateSet();
  // Adds a templates: file's text; an error names the file and line.
  Status add_file(const std::string& name, const std::string& text);
  // Reads each glob's files (relative globs joined to dir) and adds them.
  Status add_globs(const std::vector<std::string>& globs, const std::string& dir);

  // ExecuteTextString / ExecuteHTMLString: `text` expanded over `data`.
  bool expand(std::string_view text, const alerting::MessageData& data, std::string& out, std::string& err,
              bool html = false) const;
  // The same, an error given back as the text (for the caller's error).
  std::string text(std::string_view text, const alerting::MessageData& data, std::string& first_err,
                   bool html = false) const;

 private:
  std::vector<alerting::MessageTemplateFile> files_;
  std::shared_ptr<const alerting::MessageDefinitions> defs_;  // files_ parsed
};

}  // namespace vigia::notify
