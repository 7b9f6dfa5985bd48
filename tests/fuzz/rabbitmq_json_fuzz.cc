// libFuzzer target for the RabbitMQ management API readers
// (exporters/rabbitmq/api.h). The first byte picks the reader (overview,
// nodes, a queue page, a connection page, a global parameter); the rest is
// the body. Besides crashes and sanitizer reports, it checks that every queue
// name and vhost a page yields survives the exposition: written as label
// values by the text encoder and read back by core's exposition parser, they
// come back byte for byte.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/exposition.h"
#include "core/exposition_parser.h"
#include "exporters/rabbitmq/api.h"

namespace {

class LabelCatcher final : public vigia::MetricSink {
 public:
  void family(std::string_view, std::string_view, vigia::MetricType) override {}
  void sample(std::string_view, vigia::Labels labels, double, int64_t) override {
    for (const vigia::Label& l : labels) values.emplace_back(l.value);
  }
  using vigia::MetricSink::sample;
  std::vector<std::string> values;
};

void round_trip(const vigia::rabbitmq::QueueInfo& q) {
  std::string text = vigia::encode_text([&](vigia::MetricSink& s) {
    s.family("rabbitmq_queue_messages", "h", vigia::MetricType::kGauge);
    vigia::Label l[] = {{"vhost", q.vhost}, {"queue", q.name}};
    s.sample("rabbitmq_queue_messages", vigia::Labels(l), 1);
  });
  LabelCatcher c;
  vigia::Status st = vigia::parse_exposition(text, c);
  if (!st.is_ok() || c.values.size() != 2 || c.values[0] != q.vhost || c.values[1] != q.name) {
    std::fprintf(stderr, "label round trip differs (%s):\n%s\n", st.message().c_str(), text.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigia::rabbitmq;
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  PageInfo page;
  switch (data[0] % 5) {
    case 0: {
      Overview o;
      (void)parse_overview(body, o);
      break;
    }
    case 1: {
      std::vector<NodeInfo> nodes;
      if (parse_nodes(body, nodes).is_ok())
        for (const NodeInfo& n : nodes)
          if (n.name.empty()) std::abort();
      break;
    }
    case 2: (void)parse_queue_page(body, page, round_trip); break;
    case 3: (void)parse_connection_page(body, page, [](const ConnectionInfo&) {}); break;
    default: {
      std::string v;
      (void)parse_global_parameter(body, v);
      break;
    }
  }
  return 0;
}
