#include "pgvalue/pg_array_text.h"

#include "common/error.h"

namespace pg2ch {
namespace {

constexpr size_t kMaxDims = 6;  // PostgreSQL's MAXDIM
constexpr size_t kUnset = static_cast<size_t>(-1);

class ArrayParser {
 public:
  ArrayParser(std::string_view text, char delim) : text_(text), delim_(delim) {}

  PgArray Parse() {
    if (!text_.empty() && text_.front() == '[') {
      size_t eq = text_.find('=');
      if (eq == std::string_view::npos) Malformed("bounds without '='");
      pos_ = eq + 1;
    }
    if (pos_ >= text_.size() || text_[pos_] != '{') Malformed("not an array");
    ParseLevel(0);
    if (pos_ != text_.size()) Malformed("text after the closing brace");
    // '{}' (and '{{}}', which PostgreSQL never prints); elements deeper than the first leaf
    // level would leave an outer dimension unset.
    if (out_.elements.empty()) out_.dims.clear();
    size_t product = out_.dims.empty() ? 0 : 1;
    for (size_t d : out_.dims) {
      if (d == kUnset) Malformed("not rectangular");
      product *= d;
    }
    if (product != out_.elements.size()) Malformed("not rectangular");
    return std::move(out_);
  }

 private:
  [[noreturn]] void Malformed(const char* why) const {
    ThrowFatal("cannot read array value '" + std::string(text_.substr(0, 200)) + "': " + why);
  }

  // At '{' of a sub-array at nesting `level`; reads through its '}'.
  void ParseLevel(size_t level) {
    if (level >= kMaxDims) Malformed("more than 6 dimensions");
    ++pos_;  // '{'
    size_t count = 0;
    bool nested = pos_ < text_.size() && text_[pos_] == '{';
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      Shape(level, 0, false);
      return;
    }
    while (true) {
      if (pos_ >= text_.size()) Malformed("unterminated array");
      if (nested) {
        if (text_[pos_] != '{') Malformed("not rectangular");
        ParseLevel(level + 1);
      } else {
        if (text_[pos_] == '{') Malformed("not rectangular");
        ParseElement();
      }
      ++count;
      if (pos_ >= text_.size()) Malformed("unterminated array");
      if (text_[pos_] == '}') {
        ++pos_;
        break;
      }
      if (text_[pos_] != delim_) Malformed("expected a delimiter after an element");
      ++pos_;
    }
    Shape(level, count, nested);
  }

  // Every sub-array at one level has the same length, and elements sit at one depth only.
  // Called once a sub-array is read, so inner levels are shaped before outer ones.
  void Shape(size_t level, size_t count, bool nested) {
    if (out_.dims.size() <= level) out_.dims.resize(level + 1, kUnset);
    if (out_.dims[level] == kUnset) {
      out_.dims[level] = count;
    } else if (out_.dims[level] != count) {
      Malformed("not rectangular");
    }
    if (!nested && count > 0) {
      if (leaf_level_ == kMaxDims) leaf_level_ = level;
      if (leaf_level_ != level) Malformed("not rectangular");
    }
  }

  void ParseElement() {
    std::string value;
    if (text_[pos_] == '"') {
      ++pos_;
      while (true) {
        if (pos_ >= text_.size()) Malformed("unterminated quoted element");
        char c = text_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos_ >= text_.size()) Malformed("dangling backslash");
          c = text_[pos_++];
        }
        value += c;
      }
      out_.elements.emplace_back(std::move(value));
      return;
    }
    bool escaped = false;
    while (pos_ < text_.size() && text_[pos_] != delim_ && text_[pos_] != '}') {
      char c = text_[pos_++];
      if (c == '{' || c == '"') Malformed("unexpected character");
      if (c == '\\') {
        if (pos_ >= text_.size()) Malformed("dangling backslash");
        c = text_[pos_++];
        escaped = true;
      }
      value += c;
    }
    if (value.empty()) Malformed("empty element");
    if (!escaped && value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
        (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l') {
      out_.elements.emplace_back(std::nullopt);
    } else {
      out_.elements.emplace_back(std::move(value));
    }
  }

  std::string_view text_;
  char delim_;
  size_t pos_ = 0;
  size_t leaf_level_ = kMaxDims;
  PgArray out_;
};

}  // namespace

PgArray ParsePgArrayText(std::string_view text, char delim) {
  return ArrayParser(text, delim).Parse();
}

PgArrayElements ParsePgArray(std::string_view text, char delim) {
  PgArray array = ParsePgArrayText(text, delim);
  if (array.dims.size() > 1)
    ThrowFatal("cannot read array value '" + std::string(text.substr(0, 200)) +
               "': " + std::to_string(array.dims.size()) + " dimensions where one was expected");
  return std::move(array.elements);
}

}  // namespace pg2ch
