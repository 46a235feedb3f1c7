// The PostgreSQL major version of a run: the PG2CH_TEST_PG choice.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness/harness.h"

namespace pg2ch::test {

int TestPgMajor() {
  static const int major = [] {
    const char* env = std::getenv("PG2CH_TEST_PG");
    if (env == nullptr || env[0] == '\0') return 15;
    for (int known : {12, 13, 14, 15, 16, 17, 18}) {
      if (std::strcmp(env, std::to_string(known).c_str()) == 0) return known;
    }
    // Read while GoogleTest registers the tests: no test could report it, so end here.
    std::fprintf(stderr, "PG2CH_TEST_PG: unsupported PostgreSQL major '%s' (known: 12 to 18)\n",
                 env);
    std::exit(2);
  }();
  return major;
}

}  // namespace pg2ch::test
