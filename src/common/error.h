// Errors that cross part boundaries, classified once where they are raised.
//
// Contract: every failure that can stop a pipe is a PipeError. `Retryable` means the pipe stays in
// its state and tries again after a back-off (connection lost, timeout, server busy); `Fatal` means
// the pipe cannot go on without a human (slot gone, publication missing, unsupported type, bad
// configuration) and enters Failed with `what()` recorded as the reason.
//
// Why exceptions and not status values: failures surface deep inside I/O loops (libpq, libcurl,
// wire decoders) and there is exactly one place that decides what to do with them, the pipe
// runner. A thrown PipeError cannot be ignored by accident, which is what status values are for.
#pragma once

#include <stdexcept>
#include <string>

namespace pg2ch {

enum class ErrorKind { kRetryable, kFatal };

class PipeError : public std::runtime_error {
 public:
  PipeError(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  bool retryable() const { return kind_ == ErrorKind::kRetryable; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void ThrowFatal(const std::string& message) {
  throw PipeError(ErrorKind::kFatal, message);
}
[[noreturn]] inline void ThrowRetryable(const std::string& message) {
  throw PipeError(ErrorKind::kRetryable, message);
}

// Malformed bytes from a wire protocol or file: always fatal, the stream cannot be trusted.
class DecodeError : public PipeError {
 public:
  explicit DecodeError(const std::string& message)
      : PipeError(ErrorKind::kFatal, "decode error: " + message) {}
};

}  // namespace pg2ch
