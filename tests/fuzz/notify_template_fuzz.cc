// libFuzzer target for the notifier's message templates and payloads
// (alerting/notify/notify_template.h, integrations.h, and the message side
// of alerting/template/): the input is split at the first NUL into a
// template text (as in a templates: file or a receiver's title/text) and
// alert data (labels and annotations as "name=value" lines, values
// arbitrary bytes). Expands the text as text and as HTML over Alertmanager's
// template.Data, including time layouts, and builds the webhook payload
// (which must stay valid JSON whatever the labels hold). Seeds:
// tests/fuzz/corpus/notify_template/.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "alerting/notify/integrations.h"

using namespace vigia::notify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view text = in.substr(0, nul);
  std::string_view rest = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
  Notification n;
  n.receiver = "ops.team";
  n.group_key = "{}:{alertname=\"X\"}";
  n.now_ms = 1700000600000;
  n.external_url = "http://vigia:9093";
  Alert a;
  a.starts_at_ms = 1700000000123;
  Alert b;
  b.starts_at_ms = 1;
  b.ends_at_ms = 1700000000000;
  LabelSet a_labels, a_annotations, b_labels;
  size_t i = 0;
  while (i < rest.size()) {
    size_t nl = rest.find('\n', i);
    std::string_view line = rest.substr(i, nl == std::string_view::npos ? std::string_view::npos : nl - i);
    i = nl == std::string_view::npos ? rest.size() : nl + 1;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string k(line.substr(0, eq)), v(line.substr(eq + 1));
    LabelSet& target = (k.size() % 2) ? a_annotations : a_labels;
    bool dup = false;
    for (const auto& p : target) dup |= p.first == k;
    if (!dup) target.emplace_back(k, v);
    if (!dup && k.size() % 3 == 0) b_labels.emplace_back(k, v);
  }
  std::sort(a_labels.begin(), a_labels.end());
  std::sort(a_annotations.begin(), a_annotations.end());
  std::sort(b_labels.begin(), b_labels.end());
  a.labels = a_labels;
  a.annotations = a_annotations;
  b.labels = b_labels;
  n.alerts = {a, b};
  n.group_labels = a.labels;
  static const TemplateSet templates;
  std::string out, err;
  templates.expand(text, message_data(n), out, err, false);
  templates.expand(text, message_data(n), out, err, true);
  templates.expand("{{ template \"email.default.subject\" . }}{{ template \"email.default.html\" . }}",
                   message_data(n), out, err, true);
  std::string payload = webhook_payload(n, size % 3);
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded()) std::abort();  // invalid UTF-8 is replaced, never a broken document
  return 0;
}
