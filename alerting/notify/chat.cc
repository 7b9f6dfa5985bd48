// slack_configs, telegram_configs and discord_configs: Alertmanager 0.25's
// notify/slack (incoming-webhook JSON with one attachment), notify/telegram
// (the Bot API's sendMessage, as its telebot client posts it) and
// notify/discord (one embed, red/green/grey). The URLs and bot tokens are
// secrets: never in an error.
#include <nlohmann/json.hpp>

#include "alerting/notify/http_config_reader.h"
#include "alerting/notify/integrations_internal.h"

namespace vigia::notify {
namespace {

using nlohmann::ordered_json;

// notify.TruncateInRunes: at most n runes, the last one "…" when cut.
std::string truncate_runes(const std::string& s, size_t n) {
  size_t runes = 0, i = 0, cut = std::string::npos;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (runes == n - 1) cut = i;
    if (++runes > n) return s.substr(0, cut) + "\xe2\x80\xa6";
  }
  return s;
}

HttpConfig http_of(const ItemContext& c) {
  return c.node["http_config"] ? read_http_config(c.r, c.node["http_config"], c.what + ".http_config", c.dir)
                               : c.g.http_config;
}

DeliveryResult template_failed(const std::string& err) {
  DeliveryResult r;
  r.error = "template: " + err;
  return r;
}

class Slack : public Integration {
 public:
  std::string_view kind() const override { return "slack"; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    alerting::MessageData d = message_data(n);
    std::string err;
    auto t = [&](const std::string& s) { return tmpl_->text(s, d, err); };
    ordered_json att;
    auto opt = [&](const char* k, const std::string& v) {
      if (!v.empty()) att[k] = v;
    };
    opt("title", truncate_runes(t(title_), 1024));
    opt("title_link", t(title_link_));
    opt("pretext", t(pretext_));
    att["text"] = t(text_);
    att["fallback"] = t(fallback_);
    att["callback_id"] = t(callback_id_);
    opt("image_url", t(image_url_));
    opt("thumb_url", t(thumb_url_));
    att["footer"] = t(footer_);
    opt("color", t(color_));
    att["mrkdwn_in"] =
        mrkdwn_in_.empty() ? std::vector<std::string>{"fallback", "pretext", "text"} : mrkdwn_in_;
    ordered_json req;
    auto ropt = [&](const char* k, const std::string& v) {
      if (!v.empty()) req[k] = v;
    };
    ropt("channel", t(channel_));
    ropt("username", t(username_));
    ropt("icon_emoji", t(icon_emoji_));
    ropt("icon_url", t(icon_url_));
    if (link_names_) req["link_names"] = true;
    req["attachments"] = ordered_json::array({att});
    if (!err.empty()) return template_failed(err);
    std::string url;
    DeliveryResult res;
    Status s = api_url_.load(url);
    if (!s.is_ok()) {
      res.error = s.message();
      return res;
    }
    while (!url.empty() && (url.back() == ' ' || url.back() == '\t')) url.pop_back();
    res = post_json(url, req.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n", http_, ctx,
                    {}, {url});
    if (!res.ok) res.error = "channel \"" + req.value("channel", "") + "\": " + res.error;
    return res;
  }

  bool send_resolved_ = true, link_names_ = false;
  Secret api_url_;
  HttpConfig http_;
  const TemplateSet* tmpl_ = nullptr;
  std::string channel_, username_, color_, title_, title_link_, pretext_, text_, footer_, fallback_,
      callback_id_, icon_emoji_, icon_url_, image_url_, thumb_url_;
  std::vector<std::string> mrkdwn_in_;
};

class Telegram : public Integration {
 public:
  std::string_view kind() const override { return "telegram"; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    alerting::MessageData d = message_data(n);
    std::string err;
    std::string text = truncate_runes(tmpl_->text(message_, d, err, parse_mode_ == "HTML"), 4096);
    if (!err.empty()) return template_failed(err);
    DeliveryResult res;
    std::string token;
    Status s = bot_token_.load(token);
    if (!s.is_ok()) {
      res.error = s.message();
      return res;
    }
    // telebot's Raw: a JSON object of string values.
    ordered_json req;
    req["chat_id"] = std::to_string(chat_id_);
    req["text"] = text;
    if (!parse_mode_.empty()) req["parse_mode"] = parse_mode_;
    req["disable_web_page_preview"] = "true";
    if (disable_notifications_) req["disable_notification"] = "true";
    std::string base = api_url_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    res =
        post_json(base + "/bot" + token + "/sendMessage",
                  req.dump(-1, ' ', false, ordered_json::error_handler_t::replace), http_, ctx, {}, {token});
    // The Bot API answers {"ok":false,"description":...} with a 4xx; 429 is retried.
    if (!res.ok && res.detail == "HTTP 429") res.retryable = true;
    return res;
  }

  bool send_resolved_ = true, disable_notifications_ = false;
  std::string api_url_, message_, parse_mode_;
  int64_t chat_id_ = 0;
  Secret bot_token_;
  HttpConfig http_;
  const TemplateSet* tmpl_ = nullptr;
};

class Discord : public Integration {
 public:
  std::string_view kind() const override { return "discord"; }
  bool send_resolved() const override { return send_resolved_; }
  DeliveryResult deliver(const Notification& n, const DeliveryContext& ctx) override {
    alerting::MessageData d = message_data(n);
    std::string err;
    std::string title = tmpl_->text(title_, d, err), description = tmpl_->text(message_, d, err);
    if (!err.empty()) return template_failed(err);
    constexpr int kRed = 0x992D22, kGreen = 0x2ECC71;
    ordered_json embed;
    embed["title"] = title;
    embed["description"] = description;
    embed["color"] = d.status == "firing" ? kRed : kGreen;
    ordered_json w;
    w["content"] = "";
    w["embeds"] = ordered_json::array({embed});
    DeliveryResult res;
    std::string url;
    Status s = webhook_url_.load(url);
    if (!s.is_ok()) {
      res.error = s.message();
      return res;
    }
    while (!url.empty() && (url.back() == ' ' || url.back() == '\n')) url.pop_back();
    return post_json(url, w.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n", http_, ctx,
                     {}, {url, url.substr(url.rfind('/') + 1)});
  }

  bool send_resolved_ = true;
  Secret webhook_url_;
  std::string title_, message_;
  HttpConfig http_;
  const TemplateSet* tmpl_ = nullptr;
};

std::string secret_url(const ItemContext& c, const char* key) {
  std::string u = read_url(c, key);
  return u;
}

}  // namespace

std::unique_ptr<Integration> make_slack(const ItemContext& c) {
  refuse_keys(c, {"fields", "actions", "short_fields"});
  c.r.check_keys(c.node, c.what, {"send_resolved", "http_config", "api_url",   "api_url_file", "channel",
                                  "username",      "color",       "title",     "title_link",   "pretext",
                                  "text",          "footer",      "fallback",  "callback_id",  "icon_emoji",
                                  "icon_url",      "image_url",   "thumb_url", "link_names",   "mrkdwn_in"});
  auto s = std::make_unique<Slack>();
  s->tmpl_ = &c.tmpl;
  s->send_resolved_ = read_send_resolved(c, true);
  if (c.node["api_url"] && c.node["api_url_file"])
    c.r.fail(c.node["api_url_file"], "at most one of api_url & api_url_file must be configured");
  if (c.node["api_url"])
    s->api_url_.value = secret_url(c, "api_url");
  else if (c.node["api_url_file"])
    s->api_url_.file = join_dir(c.dir, c.r.get_string(c.node["api_url_file"], c.what + ".api_url_file"));
  else if (!c.g.slack_api_url.empty())
    s->api_url_ = c.g.slack_api_url;
  else
    c.r.fail(c.node, "no global Slack API URL set either inline or in a file");
  s->http_ = http_of(c);
  s->channel_ = read_string(c, "channel", "");
  s->username_ = read_string(c, "username", "{{ template \"slack.default.username\" . }}");
  s->color_ = read_string(c, "color", "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}");
  s->title_ = read_string(c, "title", "{{ template \"slack.default.title\" . }}");
  s->title_link_ = read_string(c, "title_link", "{{ template \"slack.default.titlelink\" . }}");
  s->pretext_ = read_string(c, "pretext", "{{ template \"slack.default.pretext\" . }}");
  s->text_ = read_string(c, "text", "{{ template \"slack.default.text\" . }}");
  s->footer_ = read_string(c, "footer", "{{ template \"slack.default.footer\" . }}");
  s->fallback_ = read_string(c, "fallback", "{{ template \"slack.default.fallback\" . }}");
  s->callback_id_ = read_string(c, "callback_id", "{{ template \"slack.default.callbackid\" . }}");
  s->icon_emoji_ = read_string(c, "icon_emoji", "{{ template \"slack.default.iconemoji\" . }}");
  s->icon_url_ = read_string(c, "icon_url", "{{ template \"slack.default.iconurl\" . }}");
  s->image_url_ = read_string(c, "image_url", "");
  s->thumb_url_ = read_string(c, "thumb_url", "");
  if (c.node["link_names"]) s->link_names_ = c.r.get_bool(c.node["link_names"], c.what + ".link_names");
  if (c.node["mrkdwn_in"]) s->mrkdwn_in_ = c.r.get_string_list(c.node["mrkdwn_in"], c.what + ".mrkdwn_in");
  return s;
}

std::unique_ptr<Integration> make_telegram(const ItemContext& c) {
  c.r.check_keys(c.node, c.what,
                 {"send_resolved", "http_config", "api_url", "bot_token", "bot_token_file", "chat_id",
                  "message", "disable_notifications", "parse_mode"});
  auto t = std::make_unique<Telegram>();
  t->tmpl_ = &c.tmpl;
  t->send_resolved_ = read_send_resolved(c, true);
  t->api_url_ = c.node["api_url"] ? read_url(c, "api_url") : c.g.telegram_api_url;
  t->bot_token_ = read_secret(c.r, c.node, c.what, "bot_token", c.dir);
  if (t->bot_token_.empty()) c.r.fail(c.node, "missing bot_token or bot_token_file on telegram_config");
  if (!c.node["chat_id"]) c.r.fail(c.node, "missing chat_id on telegram_config");
  try {
    t->chat_id_ = c.node["chat_id"].as<int64_t>();
  } catch (const YAML::Exception&) {
    c.r.fail(c.node["chat_id"], c.what + ".chat_id: expected an integer");
  }
  t->message_ = read_string(c, "message", "{{ template \"telegram.default.message\" . }}");
  t->parse_mode_ = read_string(c, "parse_mode", "HTML");
  if (!t->parse_mode_.empty() && t->parse_mode_ != "Markdown" && t->parse_mode_ != "MarkdownV2" &&
      t->parse_mode_ != "HTML")
    c.r.fail(c.node["parse_mode"],
             "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string");
  if (c.node["disable_notifications"])
    t->disable_notifications_ =
        c.r.get_bool(c.node["disable_notifications"], c.what + ".disable_notifications");
  t->http_ = http_of(c);
  return t;
}

std::unique_ptr<Integration> make_discord(const ItemContext& c) {
  c.r.check_keys(c.node, c.what,
                 {"send_resolved", "http_config", "webhook_url", "webhook_url_file", "title", "message"});
  auto d = std::make_unique<Discord>();
  d->tmpl_ = &c.tmpl;
  d->send_resolved_ = read_send_resolved(c, true);
  if (c.node["webhook_url"] && c.node["webhook_url_file"])
    c.r.fail(c.node["webhook_url_file"], "at most one of webhook_url & webhook_url_file must be configured");
  if (c.node["webhook_url"])
    d->webhook_url_.value = secret_url(c, "webhook_url");
  else if (c.node["webhook_url_file"])
    d->webhook_url_.file =
        join_dir(c.dir, c.r.get_string(c.node["webhook_url_file"], c.what + ".webhook_url_file"));
  else
    c.r.fail(c.node, "one of webhook_url or webhook_url_file must be configured");
  d->title_ = read_string(c, "title", "{{ template \"discord.default.title\" . }}");
  d->message_ = read_string(c, "message", "{{ template \"discord.default.message\" . }}");
  d->http_ = http_of(c);
  return d;
}

}  // namespace vigia::notify
