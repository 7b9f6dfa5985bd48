#include "exporters/postgres/custom_query_collector.h"

#include <pqxx/pqxx>

namespace vigia::postgres {

CustomQueryCollector::CustomQueryCollector(CustomQuery q, bool label_database)
    : q_(std::move(q)), label_database_(label_database) {
  name_ = "custom query " + q_.ns + " (" + q_.where + ")";
  for (const auto& c : q_.columns) {
    if (c.usage == CustomQuery::Usage::kLabel) label_cols_.push_back(&c);
    if (c.usage == CustomQuery::Usage::kLabel && c.name == "datname") label_database_ = false;
    if (c.usage == CustomQuery::Usage::kCounter || c.usage == CustomQuery::Usage::kGauge) {
      value_cols_.push_back(&c);
      metric_names_.push_back(q_.ns + "_" + c.name);
    }
  }
}

void CustomQueryCollector::collect(pqxx::transaction_base& tx, const ServerInfo& info, MetricSink& sink) {
  auto now = Clock::now();
  database_ = info.database;
  if (have_cache_ && q_.cache_seconds > 0 &&
      now - cached_at_ < std::chrono::duration<double>(q_.cache_seconds)) {
    write(sink);
    return;
  }
  // A failed run drops the cache: stale values would hide the failure.
  have_cache_ = false;
  cached_.clear();
  pqxx::result r = tx.exec(q_.query);
  std::vector<int> label_idx, value_idx;
  for (const auto* c : label_cols_) label_idx.push_back(r.column_number(c->name));
  for (const auto* c : value_cols_) value_idx.push_back(r.column_number(c->name));
  std::vector<Row> rows;
  rows.reserve(r.size());
  for (const auto& row : r) {
    Row out;
    for (int i : label_idx) out.labels.emplace_back(row[i].is_null() ? "" : row[i].c_str());
    for (int i : value_idx) out.values.push_back(field_value(row[i]));
    rows.push_back(std::move(out));
  }
  cached_ = std::move(rows);
  cached_at_ = now;
  have_cache_ = true;
  write(sink);
}

void CustomQueryCollector::write(MetricSink& sink) const {
  std::vector<Label> labels(label_cols_.size() + (label_database_ ? 1 : 0));
  if (label_database_) labels.back() = Label{"datname", database_};
  for (size_t v = 0; v < value_cols_.size(); ++v) {
    const auto* c = value_cols_[v];
    sink.family(metric_names_[v], c->description,
                c->usage == CustomQuery::Usage::kCounter ? MetricType::kCounter : MetricType::kGauge);
    for (const Row& row : cached_) {
      for (size_t l = 0; l < label_cols_.size(); ++l) labels[l] = Label{label_cols_[l]->name, row.labels[l]};
      sink.sample(metric_names_[v], Labels(labels.data(), labels.size()), row.values[v]);
    }
  }
}

}  // namespace vigia::postgres
