// The int64 images of partition-column values that value_domain.h splits on, and the way back
// from an image to text: exact in both directions, and monotonic, so that split points made
// between images keep their order as literals. Text is what PostgreSQL prints with DateStyle ISO
// and TimeZone UTC, which is also what it reads back. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "source/postgres/value_domain.h"

namespace pg2ch {

class ValueImage {
 public:
  // `exponent`: numeric only, the power of ten one image unit stands for.
  ValueImage(ValueKind kind, int64_t exponent) : kind_(kind), exponent_(exponent) {}
  // The image for values from `min` to `max` (nullopt: none): numeric takes the smallest unit
  // that keeps both within 18 digits. Throws PipeError(kFatal) as Of does.
  static ValueImage Spanning(ValueKind kind, const std::optional<std::string>& min,
                             const std::optional<std::string>& max);

  // The floor image of a finite value; throws PipeError(kFatal) for text that is not one, or
  // whose image would not fit in int64.
  int64_t Of(const std::string& text) const;
  // The value `image` stands for, exactly.
  std::string Text(int64_t image) const;

  int64_t exponent() const { return exponent_; }

 private:
  ValueKind kind_;
  int64_t exponent_;
};

}  // namespace pg2ch
