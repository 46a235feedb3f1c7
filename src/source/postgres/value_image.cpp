#include "source/postgres/value_image.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "common/error.h"
#include "pgvalue/pg_datetime.h"

namespace pg2ch {
namespace {

// Image digits of a numeric: 10^18 - 1 and its negation (minus one for the floor) fit in int64.
constexpr int64_t kNumericDigits = 18;

[[noreturn]] void NotAValue(const std::string& text) {
  ThrowFatal("PostgreSQL: partition column value \"" + text +
             "\" is not a finite value of the column's type");
}

std::optional<int64_t> Integer(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
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
      image = kind_ == ValueKind::kDate ? ParsePgDate(text) : ParsePgTimestamp(text);
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
