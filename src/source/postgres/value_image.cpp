#include "source/postgres/value_image.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "common/error.h"
#include "core/civil_date.h"
#include "source/postgres/datetime_binary.h"

namespace pg2ch {
namespace {

constexpr int64_t kUsPerSecond = 1000000;
constexpr int64_t kUsPerDay = 86400 * kUsPerSecond;
// Image digits of a numeric: 10^18 - 1 and its negation (minus one for the floor) fit in int64.
constexpr int64_t kNumericDigits = 18;
// Days from 1970-01-01, the epoch of civil_date.h, to PostgreSQL's 2000-01-01.
constexpr int64_t kPgEpochDays = 10957;

[[noreturn]] void NotAValue(const std::string& text) {
  ThrowFatal("PostgreSQL: partition column value \"" + text +
             "\" is not a finite value of the column's type");
}

// Reads text left to right; every step fails (nullopt / false) rather than skipping.
struct Cursor {
  std::string_view s;
  size_t at = 0;

  bool Eat(std::string_view word) {
    if (s.substr(at, word.size()) != word) return false;
    at += word.size();
    return true;
  }
  // Between `fewest` and `most` (at most 18) decimal digits, into `out`.
  bool Number(int64_t& out, size_t fewest, size_t most) {
    size_t start = at;
    out = 0;
    while (at < s.size() && at - start < most && std::isdigit(static_cast<unsigned char>(s[at])))
      out = out * 10 + (s[at++] - '0');
    return at - start >= fewest;
  }
};

std::optional<int64_t> Integer(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// "YYYY-MM-DD[ HH:MM:SS[.ffffff][+HH[:MM[:SS]]]][ BC]": days (date) or microseconds since
// 2000-01-01 00:00 UTC.
std::optional<int64_t> DateTime(ValueKind kind, std::string_view text) {
  Cursor c{text};
  int64_t year = 0, month = 0, day = 0;
  if (!c.Number(year, 1, 9) || !c.Eat("-") || !c.Number(month, 2, 2) || !c.Eat("-") ||
      !c.Number(day, 2, 2) || month < 1 || month > 12 || day < 1 || day > 31)
    return std::nullopt;
  int64_t us = 0;
  if (kind != ValueKind::kDate) {
    int64_t hour = 0, minute = 0, second = 0;
    if (!c.Eat(" ") || !c.Number(hour, 2, 2) || !c.Eat(":") || !c.Number(minute, 2, 2) ||
        !c.Eat(":") || !c.Number(second, 2, 2))
      return std::nullopt;
    us = ((hour * 60 + minute) * 60 + second) * kUsPerSecond;
    if (c.Eat(".")) {
      size_t start = c.at;
      int64_t fraction = 0;
      if (!c.Number(fraction, 1, 6)) return std::nullopt;
      for (size_t n = c.at - start; n < 6; ++n) fraction *= 10;
      us += fraction;
    }
    if (kind == ValueKind::kTimestamptz) {
      int64_t sign = c.Eat("+") ? 1 : c.Eat("-") ? -1 : 0;
      int64_t hours = 0, minutes = 0, seconds = 0;
      if (sign == 0 || !c.Number(hours, 2, 2) ||
          (c.Eat(":") && (!c.Number(minutes, 2, 2) || (c.Eat(":") && !c.Number(seconds, 2, 2)))))
        return std::nullopt;
      // Local time minus its offset is UTC.
      us -= sign * ((hours * 60 + minutes) * 60 + seconds) * kUsPerSecond;
    }
  }
  bool bc = c.Eat(" BC");
  if (c.at != text.size()) return std::nullopt;
  int64_t days = DaysFromCivil(bc ? 1 - year : year, static_cast<unsigned>(month),
                               static_cast<unsigned>(day)) -
                 kPgEpochDays;
  if (kind == ValueKind::kDate) return days;
  int64_t image = 0;
  if (__builtin_mul_overflow(days, kUsPerDay, &image) || __builtin_add_overflow(image, us, &image))
    return std::nullopt;
  return image;
}

// As PostgreSQL prints it; split points lie between finite values, so never on the int32 / int64
// extremes that mean infinity there.
std::string DateTimeText(ValueKind kind, int64_t image) {
  std::string out;
  if (kind == ValueKind::kDate)
    AppendPgDateText(static_cast<int32_t>(image), out);
  else
    AppendPgTimestampText(image, kind == ValueKind::kTimestamptz, out);
  return out;
}

// A numeric as printed ("-12.340"; never an exponent): sign, significant digits without leading
// or trailing zeros ("" for zero), and the power of ten of the last one.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;

  // How many digits it has before the point (counting from the first significant one).
  int64_t Magnitude() const { return static_cast<int64_t>(digits.size()) + exponent; }
};

std::optional<Decimal> ParseDecimal(std::string_view text) {
  Decimal d;
  d.negative = !text.empty() && text[0] == '-';
  std::string all;
  int64_t fraction = 0;
  bool point = false;
  for (char ch : text.substr(d.negative ? 1 : 0)) {
    if (ch == '.' && !point) {
      point = true;
    } else if (std::isdigit(static_cast<unsigned char>(ch))) {
      all += ch;
      fraction += point;
    } else {
      return std::nullopt;
    }
  }
  if (all.empty()) return std::nullopt;
  size_t first = all.find_first_not_of('0');
  if (first == std::string::npos) return Decimal{};
  size_t last = all.find_last_not_of('0');
  d.digits = all.substr(first, last + 1 - first);
  d.exponent = static_cast<int64_t>(all.size() - 1 - last) - fraction;
  return d;
}

// floor(d / 10^exponent), nullopt when that takes more than kNumericDigits digits.
std::optional<int64_t> NumericImage(const Decimal& d, int64_t exponent) {
  if (d.digits.empty()) return 0;
  int64_t shift = d.exponent - exponent;
  int64_t kept = static_cast<int64_t>(d.digits.size()) + std::min<int64_t>(shift, 0);
  if (kept + std::max<int64_t>(shift, 0) > kNumericDigits) return std::nullopt;
  std::string digits = kept > 0 ? d.digits.substr(0, static_cast<size_t>(kept)) : "0";
  digits.append(static_cast<size_t>(std::max<int64_t>(shift, 0)), '0');
  int64_t v = *Integer(digits);
  bool dropped = shift < 0;  // the digits cut off: never all zeros, there are no trailing ones
  return d.negative ? -v - dropped : v;
}

std::string NumericText(int64_t image, int64_t exponent) {
  if (image == 0) return "0";
  uint64_t magnitude = image < 0 ? 0 - static_cast<uint64_t>(image) : image;
  std::string digits = std::to_string(magnitude);
  std::string sign = image < 0 ? "-" : "";
  if (exponent >= 0) return sign + digits + std::string(static_cast<size_t>(exponent), '0');
  size_t decimals = static_cast<size_t>(-exponent);
  if (digits.size() <= decimals) digits = std::string(decimals + 1 - digits.size(), '0') + digits;
  std::string fraction = digits.substr(digits.size() - decimals);
  fraction.erase(fraction.find_last_not_of('0') + 1);
  return sign + digits.substr(0, digits.size() - decimals) + (fraction.empty() ? "" : ".") +
         fraction;
}

}  // namespace

ValueImage ValueImage::Spanning(ValueKind kind, const std::optional<std::string>& min,
                                const std::optional<std::string>& max) {
  if (kind != ValueKind::kNumeric) return ValueImage(kind, 0);
  std::optional<int64_t> magnitude;
  for (const auto& text : {min, max}) {
    if (!text) continue;
    std::optional<Decimal> d = ParseDecimal(*text);
    if (!d) NotAValue(*text);
    if (!d->digits.empty())
      magnitude = std::max(magnitude.value_or(d->Magnitude()), d->Magnitude());
  }
  return ValueImage(kind, magnitude.value_or(kNumericDigits) - kNumericDigits);
}

int64_t ValueImage::Of(const std::string& text) const {
  std::optional<int64_t> image;
  switch (kind_) {
    case ValueKind::kInteger:
      image = Integer(text);
      break;
    case ValueKind::kNumeric:
      if (std::optional<Decimal> d = ParseDecimal(text)) image = NumericImage(*d, exponent_);
      break;
    case ValueKind::kTimestamp:
    case ValueKind::kTimestamptz:
    case ValueKind::kDate:
      image = DateTime(kind_, text);
      break;
  }
  if (!image) NotAValue(text);
  return *image;
}

std::string ValueImage::Text(int64_t image) const {
  switch (kind_) {
    case ValueKind::kInteger:
      return std::to_string(image);
    case ValueKind::kNumeric:
      return NumericText(image, exponent_);
    case ValueKind::kTimestamp:
    case ValueKind::kTimestamptz:
    case ValueKind::kDate:
      break;
  }
  return DateTimeText(kind_, image);
}

}  // namespace pg2ch
