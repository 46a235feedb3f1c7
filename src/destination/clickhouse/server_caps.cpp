#include "destination/clickhouse/server_caps.h"

#include <charconv>

#include "common/error.h"

namespace pg2ch {
namespace {

// Reads decimal digits at `pos`; false when there are none or the number overflows int.
bool ReadNumber(std::string_view text, size_t& pos, int& value) {
  const char* begin = text.data() + pos;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return false;
  pos += static_cast<size_t>(ptr - begin);
  return true;
}

bool AtLeast(const ServerCaps& caps, int major, int minor) {
  return caps.major > major || (caps.major == major && caps.minor >= minor);
}

}  // namespace

ServerCaps ServerCaps::FromVersion(std::string_view version) {
  std::string_view text = version;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  ServerCaps caps;
  caps.version = std::string(text);
  size_t pos = 0;
  bool ok = ReadNumber(text, pos, caps.major) && pos < text.size() && text[pos++] == '.' &&
            ReadNumber(text, pos, caps.minor);
  // Further numeric parts (patch, build) carry nothing pg2ch needs, but must be well formed; a
  // suffix such as "-lts" or " (official build)" is tolerated.
  while (ok && pos < text.size() && text[pos] == '.') {
    int part = 0;
    ++pos;
    ok = ReadNumber(text, pos, part);
  }
  if (ok && pos < text.size() && text[pos] != '-' && text[pos] != ' ') ok = false;
  if (!ok)
    ThrowFatal("ClickHouse reported version '" + std::string(text) + "', which is not a version");

  caps.datetime64 = AtLeast(caps, 20, 1);
  caps.decimal256 = AtLeast(caps, 20, 8);
  caps.exchange_tables = AtLeast(caps, 21, 8);  // also needs an Atomic database, the default
  caps.date32 = AtLeast(caps, 21, 9);
  caps.boolean = AtLeast(caps, 22, 3);
  caps.replacing_is_deleted = AtLeast(caps, 23, 2);
  caps.low_cardinality = AtLeast(caps, 19, 9);
  caps.map = AtLeast(caps, 21, 8);  // experimental before
  caps.json = AtLeast(caps, 25, 3);
  // Absent on 18.16 (checked: syntax error); the 19.x releases added IF [NOT] EXISTS to ALTER.
  caps.add_column_if_not_exists = AtLeast(caps, 19, 1);
  return caps;
}

}  // namespace pg2ch
