#include "core/lsn.h"

#include <charconv>
#include <cstdio>

namespace pg2ch {

std::string FormatLsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

std::optional<Lsn> ParseLsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return {};
  uint32_t hi = 0, lo = 0;
  auto parse = [](std::string_view part, uint32_t& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out, 16);
    return ec == std::errc() && end == part.data() + part.size();
  };
  if (!parse(text.substr(0, slash), hi) || !parse(text.substr(slash + 1), lo)) return {};
  return (static_cast<Lsn>(hi) << 32) | lo;
}

}  // namespace pg2ch
