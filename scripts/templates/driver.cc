// Expands templates with vigia for scripts/templates/diff_corpus.py: reads
// NUL-separated templates from the file argv[1] and writes, NUL-separated,
// "P" + check_template's error for a template that does not parse, or "O" +
// the annotation value (the expansion, or Prometheus's error value). The
// data are those of the alert Fz in diff_corpus.py.
#include <fstream>
#include <iostream>
#include <sstream>

#include "alerting/template/template.h"

using namespace vigia::alerting;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  TemplateData d;
  d.labels = {{"case", "main"}, {"instance", "host1.example.org:9100"}, {"job", "node"}};
  d.external_labels = {{"region", "eu-west"}, {"replica", "a"}};
  d.external_url = "https://prom.example.org/prometheus";
  d.value = 1234567.891;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find('\0', pos);
    if (end == std::string::npos) end = all.size();
    std::string t = all.substr(pos, end - pos);
    pos = end + 1;
    std::string out, err;
    if (!check_template("Fz", t, err))
      std::cout << "P" << err;
    else if (!expand_template("Fz", t, d, out, err))
      std::cout << "O" << alert_template_error_value(err);
    else
      std::cout << "O" << out;
    std::cout << '\0';
  }
}
