#include "cursor.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hubsec::host::config::detail {

namespace {

bool is_prefix_ci(std::string_view prefix, std::string_view word) {
  if (prefix.empty() || prefix.size() > word.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(prefix[i])) !=
        std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<Word> split_words(std::string_view line) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
    }
    if (i >= line.size()) {
      break;
    }
    std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
    }
    words.push_back({std::string(line.substr(start, i - start)), static_cast<int>(start)});
  }
  return words;
}

bool Cursor::fail_here() {
  if (!failed_) {
    failed_ = true;
    incomplete_ = at_end();
    fail_pos_ = pos_;
  }
  return false;
}

int Cursor::caret_column() const {
  if (fail_pos_ < words_.size()) {
    return words_[fail_pos_].column;
  }
  // Incomplete: IOS puts no caret; point just past the line for completeness.
  return static_cast<int>(line_.find_last_not_of(" \t\r") + 1);
}

std::optional<std::size_t> Cursor::optional_choice(std::initializer_list<std::string_view> keywords) {
  if (failed_ || at_end()) {
    return std::nullopt;
  }
  const std::string& w = words_[pos_].text;
  std::optional<std::size_t> found;
  std::size_t index = 0;
  for (std::string_view kw : keywords) {
    if (w.size() == kw.size() && is_prefix_ci(w, kw)) {  // an exact match wins over prefixes
      ++pos_;
      return index;
    }
    ++index;
  }
  index = 0;
  int matches = 0;
  for (std::string_view kw : keywords) {
    if (is_prefix_ci(w, kw)) {
      found = index;
      ++matches;
    }
    ++index;
  }
  if (matches != 1) {
    return std::nullopt;  // unknown or ambiguous
  }
  ++pos_;
  return found;
}

std::optional<std::size_t> Cursor::choose(std::initializer_list<std::string_view> keywords) {
  if (failed_) {
    return std::nullopt;
  }
  auto r = optional_choice(keywords);
  if (!r) {
    fail_here();
  }
  return r;
}

std::optional<std::string> Cursor::name() {
  if (failed_ || at_end()) {
    fail_here();
    return std::nullopt;
  }
  return words_[pos_++].text;
}

std::optional<std::uint64_t> Cursor::number(std::uint64_t min, std::uint64_t max) {
  if (failed_ || at_end()) {
    fail_here();
    return std::nullopt;
  }
  const std::string& w = words_[pos_].text;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), value);
  if (ec != std::errc() || ptr != w.data() + w.size() || value < min || value > max) {
    fail_here();
    return std::nullopt;
  }
  ++pos_;
  return value;
}

std::optional<Ipv4> Cursor::address() {
  if (failed_ || at_end()) {
    fail_here();
    return std::nullopt;
  }
  auto a = Ipv4::parse(words_[pos_].text);
  if (!a) {
    fail_here();
    return std::nullopt;
  }
  ++pos_;
  return a;
}

std::optional<Ipv4> Cursor::mask() {
  if (failed_ || at_end()) {
    fail_here();
    return std::nullopt;
  }
  auto m = Ipv4::parse(words_[pos_].text);
  // Contiguous ones from the top: ~m + 1 is a power of two (or zero for all-ones).
  if (!m || ((~m->value + 1u) & ~m->value) != 0) {
    fail_here();
    return std::nullopt;
  }
  ++pos_;
  return m;
}

std::optional<std::string> Cursor::rest_of_line() {
  if (failed_ || at_end()) {
    fail_here();
    return std::nullopt;
  }
  std::string_view rest = line_.substr(static_cast<std::size_t>(words_[pos_].column));
  rest = rest.substr(0, rest.find_last_not_of(" \t\r") + 1);
  pos_ = words_.size();
  return std::string(rest);
}

bool Cursor::end() {
  if (failed_) {
    return false;
  }
  if (!at_end()) {
    return fail_here();
  }
  return true;
}

}  // namespace hubsec::host::config::detail
