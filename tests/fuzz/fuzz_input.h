// Helpers shared by the libFuzzer targets: a cursor over the fuzzer's bytes, and the rule every
// target enforces. Inputs are untrusted bytes from a wire, a file or a request, so a parser may
// refuse them only with its documented error (PipeError, of which DecodeError is one; ApiError
// for request bodies). Any other exception escapes LLVMFuzzerTestOneInput, which libFuzzer
// reports as a crash, as it does memory errors (ASan) and undefined behaviour (UBSan).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace pg2ch::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  // The next byte, or 0 once the input is used up.
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  // Up to `count` further bytes.
  std::span<const uint8_t> Bytes(size_t count) {
    size_t n = count < size_ - pos_ ? count : size_ - pos_;
    std::span<const uint8_t> out(data_ + pos_, n);
    pos_ += n;
    return out;
  }
  std::span<const uint8_t> Rest() { return Bytes(size_ - pos_); }
  std::string_view RestText() {
    auto rest = Rest();
    return {reinterpret_cast<const char*>(rest.data()), rest.size()};
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace pg2ch::fuzz
