#include "alerting/store/store.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <tuple>

namespace vigia::store {

using promql::LabelSet;

void series_key(const LabelSet& labels, std::string& out) {
  out.clear();
  for (const auto& [n, v] : labels) {
    out += n;
    out += '\xff';
    out += v;
    out += '\xfe';
  }
}

int64_t retention_for(const promql::Expr& e, int64_t lookback_ms) {
  using promql::ExprKind;
  int64_t need = lookback_ms;
  auto sub = [&](const promql::Expr* x) {
    if (x) need = std::max(need, retention_for(*x, lookback_ms));
  };
  switch (e.kind) {
    case ExprKind::kVectorSelector: {
      int64_t off = static_cast<const promql::VectorSelector&>(e).offset_ms;
      return lookback_ms + std::max<int64_t>(off, 0);  // a negative offset reads ahead
    }
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const promql::MatrixSelector&>(e);
      return std::max(lookback_ms, m.range_ms + std::max<int64_t>(m.selector->offset_ms, 0));
    }
    case ExprKind::kParen: sub(static_cast<const promql::ParenExpr&>(e).expr.get()); break;
    case ExprKind::kUnary: sub(static_cast<const promql::UnaryExpr&>(e).expr.get()); break;
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      sub(b.lhs.get());
      sub(b.rhs.get());
      break;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      sub(a.expr.get());
      sub(a.param.get());
      break;
    }
    case ExprKind::kCall:
      for (const auto& arg : static_cast<const promql::Call&>(e).args) sub(arg.get());
      break;
    default: break;
  }
  return need;
}

namespace {

// Labels as the store keeps them: sorted, no empty values. Returns `in`
// itself when it already is (the common case), else a cleaned copy in buf.
const LabelSet& normalized(const LabelSet& in, LabelSet& buf) {
  bool sorted =
      std::is_sorted(in.begin(), in.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  bool empty_value = std::any_of(in.begin(), in.end(), [](const auto& l) { return l.second.empty(); });
  if (sorted && !empty_value) return in;
  buf.clear();
  for (const auto& l : in) {
    if (!l.second.empty()) buf.push_back(l);
  }
  std::stable_sort(buf.begin(), buf.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return buf;
}

// What malloc spends on a block of n bytes: glibc's 8-byte header, rounded
// up to 16 bytes.
size_t block(size_t n) { return n ? (n + 8 + 15) & ~size_t(15) : 0; }
size_t string_heap(const std::string& s) { return s.capacity() > 15 ? block(s.capacity() + 1) : 0; }

}  // namespace

Store::MemSeries& Store::get_or_create(const LabelSet& labels, const std::string& key, bool* created) {
  auto it = series_.find(key);
  if (created) *created = it == series_.end();
  if (it != series_.end()) return *it->second;
  auto s = std::make_unique<MemSeries>();
  s->labels = labels;
  s->key = key;
  MemSeries* raw = s.get();
  series_.emplace(std::string_view(raw->key), std::move(s));
  auto& list = by_name_[std::string(promql::label_value(labels, "__name__"))];
  auto pos = std::upper_bound(list.begin(), list.end(), raw,
                              [](const MemSeries* a, const MemSeries* b) { return a->labels < b->labels; });
  list.insert(pos, raw);
  return *raw;
}

AppendResult Store::append_locked(MemSeries& s, int64_t t, double v) {
  if (max_t_ != INT64_MIN && t < max_t_ - retention_ms_) {
    ++out_of_bounds_;
    return AppendResult::kOutOfBounds;
  }
  if (s.has_samples()) {
    Chunk& head = s.chunks.back();
    if (t < head.max_t()) {
      ++out_of_order_;
      return AppendResult::kOutOfOrder;
    }
    if (t == head.max_t()) {
      // Prometheus accepts an exact duplicate silently (federation, rules
      // re-evaluated at the same time) and refuses a different value.
      if (std::bit_cast<uint64_t>(head.last_value()) == std::bit_cast<uint64_t>(v)) {
        return AppendResult::kIgnoredDuplicate;
      }
      ++duplicate_;
      return AppendResult::kDuplicate;
    }
    int64_t span = std::max<int64_t>(retention_ms_ / 2, 60 * 1000);
    if (head.count() < kChunkSamples && t - head.min_t() < span) {
      head.append(t, v);
    } else {
      head.shrink();
      s.chunks.emplace_back(t, v);
      ++chunks_;
    }
  } else {
    s.chunks.emplace_back(t, v);
    ++chunks_;
  }
  ++samples_;
  max_t_ = std::max(max_t_, t);
  return AppendResult::kOk;
}

void Store::mark_stale_locked(std::vector<MemSeries*>& series, int64_t t) {
  for (MemSeries* s : series) {
    --s->producers;
    if (s->commit_mark == commits_) continue;  // produced again by this commit
    // As the scrape loop does, a marker that cannot be appended (a newer
    // sample from elsewhere) is dropped without counting it as an error.
    auto saved = std::tuple(out_of_order_, duplicate_, out_of_bounds_);
    append_locked(*s, t, promql::stale_nan());
    std::tie(out_of_order_, duplicate_, out_of_bounds_) = saved;
  }
}

void Store::commit(std::string_view source, const promql::Vector& samples, int64_t t_ms) {
  commit_impl(source, samples, t_ms, false);
}

size_t Store::commit_scrape(std::string_view source, const promql::Vector& samples, int64_t t_ms) {
  return commit_impl(source, samples, t_ms, true);
}

size_t Store::commit_impl(std::string_view source, const promql::Vector& samples, int64_t t_ms, bool honor) {
  std::unique_lock lock(mu_);
  ++commits_;
  auto it = sources_.find(source);
  if (it != sources_.end()) {
    for (MemSeries* s : it->second) s->prev_mark = commits_;
  }
  size_t added = 0;
  std::vector<MemSeries*> produced;
  produced.reserve(samples.size());
  for (const auto& sample : samples) {
    const LabelSet& labels = normalized(sample.labels, label_buf_);
    series_key(labels, key_buf_);
    bool created = false;
    MemSeries& s = get_or_create(labels, key_buf_, &created);
    bool explicit_t = honor && sample.t != kNoTimestamp;
    if (s.commit_mark != commits_) {
      s.commit_mark = commits_;  // present: no marker for it in this commit
      if (explicit_t ? created : s.prev_mark != commits_) ++added;
      if (!explicit_t) {
        ++s.producers;
        produced.push_back(&s);
      }
    }
    if (!explicit_t) {
      append_locked(s, t_ms, sample.v);
    } else if (sample.t > t_ms + kMaxAheadMs) {
      ++out_of_bounds_;  // Prometheus's timeLimitAppender
    } else {
      append_locked(s, sample.t, sample.v);
    }
  }
  if (it != sources_.end()) {
    mark_stale_locked(it->second, t_ms);
    if (produced.empty()) {
      sources_.erase(it);
    } else {
      it->second = std::move(produced);
    }
  } else if (!produced.empty()) {
    sources_.emplace(std::string(source), std::move(produced));
  }
  int64_t every = std::min<int64_t>(60 * 1000, std::max<int64_t>(retention_ms_ / 4, 1));
  if (last_gc_t_ == INT64_MIN || max_t_ - last_gc_t_ >= every) gc_locked();
  return added;
}

void Store::end_source(std::string_view source, int64_t t_ms) {
  std::unique_lock lock(mu_);
  auto it = sources_.find(source);
  if (it == sources_.end()) return;
  ++commits_;  // a commit of nothing: every series goes stale
  mark_stale_locked(it->second, t_ms);
  sources_.erase(it);
}

AppendResult Store::append(const LabelSet& labels, int64_t t_ms, double v) {
  std::unique_lock lock(mu_);
  const LabelSet& ls = normalized(labels, label_buf_);
  series_key(ls, key_buf_);
  return append_locked(get_or_create(ls, key_buf_), t_ms, v);
}

void Store::set_retention(int64_t ms) {
  std::unique_lock lock(mu_);
  // At most a century: keeps `newest - retention` far from overflowing.
  retention_ms_ = std::clamp<int64_t>(ms, 0, int64_t(100) * 365 * 24 * 3600 * 1000);
}

int64_t Store::retention() const {
  std::shared_lock lock(mu_);
  return retention_ms_;
}

void Store::gc() {
  std::unique_lock lock(mu_);
  gc_locked();
}

void Store::gc_locked() {
  last_gc_t_ = max_t_;
  if (max_t_ == INT64_MIN) return;
  int64_t cutoff = max_t_ - retention_ms_;
  for (auto name = by_name_.begin(); name != by_name_.end();) {
    auto& list = name->second;
    for (MemSeries* s : list) {
      size_t drop = 0;
      while (drop < s->chunks.size() && s->chunks[drop].max_t() < cutoff) {
        samples_ -= s->chunks[drop].count();
        ++drop;
      }
      if (drop) {
        s->chunks.erase(s->chunks.begin(), s->chunks.begin() + ptrdiff_t(drop));
        chunks_ -= drop;
      }
    }
    auto dead = std::remove_if(list.begin(), list.end(), [&](MemSeries* s) {
      if (s->has_samples() || s->producers > 0) return false;
      series_.erase(series_.find(std::string_view(s->key)));  // destroys *s
      return true;
    });
    list.erase(dead, list.end());
    name = list.empty() ? by_name_.erase(name) : std::next(name);
  }
}

std::vector<promql::Series> Store::select(const promql::MatcherSet& matchers, int64_t mint,
                                          int64_t maxt) const {
  std::shared_lock lock(mu_);
  const std::vector<MemSeries*>* only = nullptr;
  static const std::vector<MemSeries*> kNone;
  for (const auto& m : matchers.matchers()) {
    if (m.name == "__name__" && m.type == promql::MatchType::kEqual) {
      auto it = by_name_.find(m.value);
      only = it == by_name_.end() ? &kNone : &it->second;
      break;
    }
  }
  std::vector<promql::Series> out;
  auto visit = [&](const MemSeries* s) {
    if (!matchers.matches(s->labels)) return;
    promql::Series series;
    size_t n = 0;
    for (const Chunk& c : s->chunks)
      if (c.max_t() >= mint && c.min_t() <= maxt) n += c.count();
    if (n == 0) return;
    series.points.reserve(n);
    for (const Chunk& c : s->chunks) {
      if (c.max_t() < mint || c.min_t() > maxt) continue;
      c.decode(mint, maxt, series.points);
    }
    if (series.points.empty()) return;
    series.labels = s->labels;
    out.push_back(std::move(series));
  };
  if (only) {
    for (const MemSeries* s : *only) visit(s);
  } else {
    for (const auto& [name, list] : by_name_) {
      for (const MemSeries* s : list) visit(s);
    }
  }
  return out;
}

StoreStats Store::stats() const {
  std::shared_lock lock(mu_);
  StoreStats st;
  st.series = series_.size();
  st.samples = samples_;
  st.chunks = chunks_;
  st.out_of_order = out_of_order_;
  st.duplicate = duplicate_;
  st.out_of_bounds = out_of_bounds_;
  // Per series: the struct, its hash node and bucket, its by_name_ slot, its
  // labels, key and chunks. std::unordered_map's node holds the key string
  // and the pointer.
  uint64_t bytes = series_.bucket_count() * sizeof(void*);
  for (const auto& [key, s] : series_) {
    bytes += block(sizeof(void*) + sizeof(key) + sizeof(s) + sizeof(size_t));  // hash node
    bytes += block(sizeof(MemSeries)) + sizeof(MemSeries*);                    // + by_name_ slot
    bytes += block(s->labels.capacity() * sizeof(s->labels[0]));
    for (const auto& [n, v] : s->labels) bytes += string_heap(n) + string_heap(v);
    bytes += string_heap(s->key);
    bytes += block(s->chunks.capacity() * sizeof(Chunk));
    for (const Chunk& c : s->chunks) bytes += block(c.data_bytes());
  }
  for (const auto& [name, list] : by_name_)
    bytes += block(64) + string_heap(name) + block(list.capacity() * sizeof(void*));
  for (const auto& [name, list] : sources_)
    bytes += block(64) + string_heap(name) + block(list.capacity() * sizeof(void*));
  st.bytes = bytes;
  return st;
}

void Store::write_metrics(MetricSink& sink) const {
  StoreStats st = stats();
  sink.gauge("vigia_store_series", "Series in the embedded store.", double(st.series));
  sink.gauge("vigia_store_samples", "Samples in the embedded store.", double(st.samples));
  sink.gauge("vigia_store_bytes", "Memory the embedded store's series and samples use.", double(st.bytes));
  sink.family("vigia_store_samples_rejected_total", "Samples the embedded store refused, by reason.",
              MetricType::kCounter);
  sink.sample("vigia_store_samples_rejected_total", {{"reason", "duplicate"}}, double(st.duplicate));
  sink.sample("vigia_store_samples_rejected_total", {{"reason", "out_of_bounds"}}, double(st.out_of_bounds));
  sink.sample("vigia_store_samples_rejected_total", {{"reason", "out_of_order"}}, double(st.out_of_order));
}

}  // namespace vigia::store
