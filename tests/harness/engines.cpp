// The ClickHouse engines of a run: names, and the PG2CH_TEST_ENGINES choice.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/harness.h"

namespace pg2ch::test {
namespace {

constexpr ChEngine kAllEngines[] = {ChEngine::kCh18, ChEngine::kCh26};

std::vector<ChEngine> ParseEngines(const std::string& list) {
  std::vector<ChEngine> engines;
  std::istringstream names(list);
  for (std::string name; std::getline(names, name, ',');) {
    if (name.empty()) continue;
    auto known = std::find_if(std::begin(kAllEngines), std::end(kAllEngines),
                              [&](ChEngine e) { return name == EngineName(e); });
    if (known == std::end(kAllEngines)) {
      // Read while GoogleTest registers the tests: no test could report it, so end here.
      std::fprintf(stderr, "PG2CH_TEST_ENGINES: unknown engine '%s' (known: ch18, ch26)\n",
                   name.c_str());
      std::exit(2);
    }
    if (std::find(engines.begin(), engines.end(), *known) == engines.end()) {
      engines.push_back(*known);
    }
  }
  if (engines.empty()) {
    std::fprintf(stderr, "PG2CH_TEST_ENGINES names no engine (known: ch18, ch26)\n");
    std::exit(2);
  }
  return engines;
}

}  // namespace

const char* EngineName(ChEngine engine) {
  switch (engine) {
    case ChEngine::kCh18:
      return "ch18";
    case ChEngine::kCh26:
      return "ch26";
  }
  return "unknown";
}

const std::vector<ChEngine>& TestEngines() {
  static const std::vector<ChEngine> engines = [] {
    const char* list = std::getenv("PG2CH_TEST_ENGINES");
    if (list == nullptr || list[0] == '\0') {
      return std::vector<ChEngine>(std::begin(kAllEngines), std::end(kAllEngines));
    }
    return ParseEngines(list);
  }();
  return engines;
}

const std::string& Servers::ChUrl(ChEngine engine) const {
  for (const auto& [e, url] : ch_urls) {
    if (e == engine) return url;
  }
  throw std::logic_error(std::string("ClickHouse engine ") + EngineName(engine) +
                         " is not running in this test run (PG2CH_TEST_ENGINES)");
}

}  // namespace pg2ch::test
