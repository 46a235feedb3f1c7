// PostgreSQL log sequence numbers: a 64-bit WAL position, printed as "HI/LO" in hexadecimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pg2ch {

using Lsn = uint64_t;

std::string FormatLsn(Lsn lsn);
// Accepts "16/B374D848"; nullopt on anything else.
std::optional<Lsn> ParseLsn(std::string_view text);

}  // namespace pg2ch
